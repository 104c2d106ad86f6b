"""GeoTIFF in and out for guess labels, and land-cover maps warped onto a chip's grid (rasterio + numpy, no Django)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window

from imagery.lib.domain import CLASS_COLORS, NO_DATA, TASK_SIZE

OUTSIDE = -1  # warp's fill for "no map pixel here" (an int32 no map code can take: codes are >= 0)

def write_label_tif(labels: np.ndarray, epsg: int, transform) -> bytes:
    """A (H, W) uint8 class raster as a tiled, deflated GeoTIFF (nodata 0, LandCoverNet color map)."""
    height, width = labels.shape
    with MemoryFile() as memfile:
        with memfile.open(
            driver="GTiff", dtype="uint8", count=1, height=height, width=width, crs=f"EPSG:{epsg}",
            transform=rasterio.Affine(*transform[:6]), nodata=NO_DATA, compress="deflate", tiled=True,
            blockxsize=TASK_SIZE * 4, blockysize=TASK_SIZE * 4,
        ) as dst:
            dst.write_colormap(1, CLASS_COLORS)  # before the pixels: GDAL fixes the photometric tag on first write
            dst.write(labels.astype(np.uint8), 1)
        return memfile.read()


def read_label_tif(source, window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(h, w) uint8 from a path, bytes or binary file; window is (row_off, col_off, height, width)."""
    win = None if window is None else Window(window[1], window[0], window[3], window[2])
    if isinstance(source, bytes):
        with MemoryFile(source) as memfile, memfile.open() as src:
            return src.read(1, window=win)
    with rasterio.open(source) as src:
        return src.read(1, window=win)


def describe_map(path) -> dict:
    """CRS, transform, size, bounds, data type and nodata of one land-cover map file (ValueError when unreadable or
    without a CRS)."""
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise ValueError(f"land-cover map {Path(str(path)).name} has no CRS: georeference it first")
            return {"crs": src.crs.to_string(), "transform": list(src.transform)[:6], "height": src.height,
                    "width": src.width, "count": src.count, "dtype": src.dtypes[0], "nodata": src.nodata,
                    "bounds": list(src.bounds), "resolution": list(src.res)}
    except rasterio.errors.RasterioIOError as exc:
        raise ValueError(f"land-cover map {path} is not readable: {exc}") from exc


def vrt_sources(path) -> list[Path]:
    """The files a GDAL VRT mosaics (SourceFilename elements, relative to the VRT where it says so)."""
    root = ElementTree.parse(path).getroot()
    out = []
    for el in root.iter("SourceFilename"):
        name = Path(el.text.strip())
        out.append((Path(path).parent / name) if el.get("relativeToVRT") == "1" else name)
    if not out:
        raise ValueError(f"{Path(path).name}: a VRT without SourceFilename entries")
    return list(dict.fromkeys(out))


def covers(desc: dict, epsg: int, bounds) -> bool:
    """Does a map file (describe_map) overlap a chip's bounds (left, bottom, right, top in EPSG:epsg)?"""
    left, bottom, right, top = transform_bounds(CRS.from_epsg(epsg), CRS.from_string(desc["crs"]), *bounds,
                                                densify_pts=5)
    m_left, m_bottom, m_right, m_top = desc["bounds"]
    return left < m_right and right > m_left and bottom < m_top and top > m_bottom


def warp_to_chip(sources, epsg: int, chip_transform, shape: tuple[int, int]):
    """The map's codes on a chip's grid: (codes (H, W) int64, inside (H, W) bool), by nearest neighbour
    (rasterio.warp: codes are classes, never averaged). sources: the map's files (tiles of one map); where tiles
    overlap, the first one listed wins. Pixels outside every file or at a file's nodata are not `inside`."""
    codes = np.full(shape, OUTSIDE, np.int32)
    dst_crs, dst_transform = CRS.from_epsg(epsg), rasterio.Affine(*chip_transform[:6])
    part = np.empty(shape, np.int32)
    for source in sources:
        with _open(source) as src:
            part.fill(OUTSIDE)
            reproject(rasterio.band(src, 1), part, src_nodata=src.nodata, dst_transform=dst_transform,
                      dst_crs=dst_crs, dst_nodata=OUTSIDE, resampling=Resampling.nearest, init_dest_nodata=False)
        empty = codes == OUTSIDE
        codes[empty] = part[empty]
    inside = codes != OUTSIDE
    return np.where(inside, codes, 0).astype(np.int64), inside


@contextmanager
def _open(source):
    """rasterio dataset of a path or of a file's bytes (remote storage hands bytes)."""
    if isinstance(source, bytes):
        with MemoryFile(source) as memfile, memfile.open() as src:
            yield src
    else:
        with rasterio.open(source) as src:
            yield src
