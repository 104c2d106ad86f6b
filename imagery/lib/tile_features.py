"""The 19 sampling features of Sentinel-2 tiles from a MODIS land-cover raster (MCD12Q1 LC_Type1; no Django).

For every MGRS tile whose centre lies inside the raster, the raster is warped (nearest neighbour, GDAL's warper
through a WarpedVRT, which reads only the source blocks it needs) onto a 500 m grid of the tile's own 109.8 km UTM
square, and the pixels of each IGBP class 1–17 are counted; fill (0, 255 and anything else) is left out. The shares
of the counted pixels are the 17 class percentages; the tile's centre gives `lat`, `lon` and the continent.
`modis_coverage_pct` says how much of the tile had a class: tiles below a minimum are dropped, since their shares
describe only part of the tile. Rows are ready for `sample_tiles` (imagery.lib.sampling).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT

from imagery.lib import geo
from imagery.lib.sampling import IGBP_CLASSES, normalize_continent

GRID_M = 500.0  # MODIS MCD12Q1's own resolution (463 m sinusoidal), so no class is invented or lost
TILE_M = geo.SQUARE_M + geo.TILE_OVERLAP_M
COVERAGE_COLUMN = "modis_coverage_pct"
COLUMNS = ("tile_id", "continent", "lat", "lon", *IGBP_CLASSES, COVERAGE_COLUMN)


class FeatureInputError(ValueError):
    """A raster that cannot be used; the message says why."""


@dataclass(frozen=True)
class TileBox:
    tile_id: str
    epsg: int
    bounds: tuple[float, float, float, float]  # left, bottom, right, top (109.8 km a side)
    lon: float
    lat: float


def _lonlat_bounds(src) -> tuple[float, float, float, float]:
    from rasterio.warp import transform_bounds

    if src.crs is None:
        raise FeatureInputError("the raster has no CRS")
    west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=101)
    return west, max(south, -80.0), east, min(north, 84.0)


def tiles_in(bounds_lonlat: tuple[float, float, float, float]) -> list[TileBox]:
    """Every MGRS tile (one per 100 km square, latitude band from its centre) whose centre lies in the box."""
    west, south, east, north = bounds_lonlat
    out: dict[str, TileBox] = {}
    first_zone, last_zone = int((max(west, -180) + 180) // 6) + 1, int((min(east, 179.999) + 180) // 6) + 1
    for zone in range(first_zone, last_zone + 1):
        for northern in {south >= 0, north >= 0}:
            epsg = geo.utm_epsg(zone, northern)
            to_utm = Transformer.from_crs(4326, epsg, always_xy=True)
            to_ll = Transformer.from_crs(epsg, 4326, always_xy=True)
            lons = np.linspace(max(west, -180 + (zone - 1) * 6), min(east, -180 + zone * 6), 25)
            lats = np.linspace(max(south, 0.0) if northern else south, north if northern else min(north, 0.0), 25)
            xs, ys = to_utm.transform(*np.meshgrid(lons, lats))
            for row in range(int(np.floor(ys.min() / geo.SQUARE_M)), int(np.floor(ys.max() / geo.SQUARE_M)) + 1):
                for col in range(1, 9):
                    left, top = col * geo.SQUARE_M, (row + 1) * geo.SQUARE_M
                    cx, cy = left + TILE_M / 2, top - TILE_M / 2
                    lon, lat = to_ll.transform(cx, cy)
                    in_zone = -180 + (zone - 1) * 6 <= lon < -180 + zone * 6
                    if not (in_zone and west <= lon <= east and south <= lat <= north and -80 <= lat <= 84):
                        continue
                    try:
                        tile = geo.tile_id(epsg, cx, cy)
                    except geo.GeoError:
                        continue
                    out.setdefault(tile, TileBox(tile, epsg, (left, top - TILE_M, left + TILE_M, top), lon, lat))
    return [out[t] for t in sorted(out)]


def class_shares(src, box: TileBox, grid_m: float = GRID_M) -> tuple[np.ndarray, float]:
    """(17 class percentages, coverage percent) of one tile: the raster warped onto the tile's grid, nearest."""
    n = int(round(TILE_M / grid_m))
    transform = rasterio.Affine(grid_m, 0, box.bounds[0], 0, -grid_m, box.bounds[3])
    with WarpedVRT(src, crs=f"EPSG:{box.epsg}", transform=transform, width=n, height=n,
                   resampling=Resampling.nearest, src_nodata=src.nodata if src.nodata is not None else 255,
                   nodata=255) as vrt:
        classes = vrt.read(1)
    counts = np.bincount(classes.ravel().astype(np.int64), minlength=256)[1:18].astype(float)
    valid = counts.sum()
    coverage = 100.0 * valid / classes.size
    return (100.0 * counts / valid if valid else np.zeros(17)), coverage


def tile_rows(path, *, tiles: list[str] | None = None, min_coverage_pct: float = 50.0,
              progress=lambda items: items) -> Iterator[dict]:
    """One candidate row per tile of the raster (or of `tiles`), in tile-id order; see the module docstring."""
    try:
        src = rasterio.open(path)
    except (rasterio.errors.RasterioError, OSError) as exc:
        raise FeatureInputError(f"unreadable raster ({exc})") from exc
    with src:
        if src.count < 1 or not np.issubdtype(np.dtype(src.dtypes[0]), np.integer):
            raise FeatureInputError(f"band 1 is {src.dtypes[0]}; expected integer IGBP classes (MCD12Q1 LC_Type1)")
        boxes = tiles_in(_lonlat_bounds(src))
        if tiles is not None:
            wanted = {geo.parse_tile_id(t) for t in tiles}
            boxes = [b for b in boxes if b.tile_id in wanted]
            missing = wanted - {b.tile_id for b in boxes}
            if missing:
                raise FeatureInputError(f"tile(s) {', '.join(sorted(missing))} have their centre outside the raster")
        for box in progress(boxes):
            shares, coverage = class_shares(src, box)
            continent = normalize_continent(str(geo.continent(box.lon, box.lat)))
            if coverage < min_coverage_pct or continent is None:
                continue
            row = {"tile_id": box.tile_id, "continent": continent, "lat": f"{box.lat:.4f}", "lon": f"{box.lon:.4f}"}
            row |= {name: f"{v:.2f}" for name, v in zip(IGBP_CLASSES, shares)}
            yield row | {COVERAGE_COLUMN: f"{coverage:.1f}"}
