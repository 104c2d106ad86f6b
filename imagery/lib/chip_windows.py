"""Chip windows inside a sampled tile (LandCoverNet paper §2.3): N non-overlapping 256×256 windows, seeded (pure).

Windows are the whole cells of the 256 px grid anchored at the tile's (or raster's) upper-left corner — the grid
`ingest_chips` cuts a raster into; cells with no data, or that would belong to a neighbouring tile (upper-left corner
outside the tile's 100 km square, centre outside its latitude band), are dropped; then N cells are drawn without
replacement. Rules and the CSV format: docs/sampling.md.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer

from imagery.lib import geo
from imagery.lib.domain import CHIP_SIZE, PIXEL_SIZE_M
from imagery.lib.sampling import SamplingInputError

# A Sentinel-2 MGRS tile: 109.8 km at 10 m; its own 100 km square is the upper-left 10,000 px (geo.tile_bounds).
TILE_SIZE_PX = 10980
SQUARE_PX = 10000
DEFAULT_CHIPS_PER_TILE = 30


@dataclass(frozen=True)
class ChipWindow:
    chip_id: str
    row_off: int
    col_off: int
    height: int
    width: int
    index: int  # row-major position in ingest_chips' cut grid of the same raster (imagery.lib.ingest.cut_grid)


def chip_windows(
    tile_id: str,
    n: int = DEFAULT_CHIPS_PER_TILE,
    *,
    seed: int,
    tile_shape: tuple[int, int] = (TILE_SIZE_PX, TILE_SIZE_PX),
    nodata: np.ndarray | None = None,
    max_nodata_fraction: float = 0.0,
    corner_box: tuple[int, int, int, int] | None = None,
    keep=None,
    size: int = CHIP_SIZE,
) -> list[ChipWindow]:
    """N non-overlapping size×size windows inside a tile of `tile_shape` pixels, seeded.

    Windows are whole cells of the size-px grid anchored at the tile's upper-left corner — the grid ingest_chips cuts
    a raster into, so each window is one of its chip indexes — and so can never overlap. `nodata` is a boolean
    raster over the whole tile at any resolution (True = no data); cells whose no-data share exceeds
    `max_nodata_fraction` are never chosen. `corner_box` (row_min, col_min, row_max, col_max) keeps only windows whose
    upper-left corner lies in it: Sentinel-2 tiles overlap by 9.8 km, and a chip belongs to the tile whose 100 km
    square holds its upper-left corner (imagery.lib.geo). `keep(row_off, col_off) -> bool array` filters further (see
    `centre_in_band`). Ids are `<tile>_<NN>` in row-major order of the chosen windows.
    """
    height, width = tile_shape
    rows, cols = height // size, width // size
    if rows == 0 or cols == 0:
        raise SamplingInputError(f"tile {tile_id}: {height}×{width} px is smaller than one {size}×{size} chip")
    rng = np.random.default_rng([seed, zlib.crc32(tile_id.encode())])
    r_off = size * np.repeat(np.arange(rows), cols)
    c_off = size * np.tile(np.arange(cols), rows)

    if n < 0:
        raise SamplingInputError(f"tile {tile_id}: chip count must be >= 0, got {n}")
    ok = np.ones(rows * cols, dtype=bool)
    if nodata is not None:
        ok = window_nodata_fraction(nodata, tile_shape, r_off, c_off, size) <= max_nodata_fraction
    if corner_box is not None:
        r_min, c_min, r_max, c_max = corner_box
        ok &= (r_off >= r_min) & (r_off < r_max) & (c_off >= c_min) & (c_off < c_max)
    if keep is not None:
        ok &= keep(r_off, c_off)
    if n > ok.sum():
        raise SamplingInputError(
            f"tile {tile_id}: {n} chips requested but only {int(ok.sum())} of {rows * cols} "
            f"non-overlapping {size}×{size} windows qualify (no more than {max_nodata_fraction:.0%} no data"
            + (", inside the tile's own 100 km square and latitude band)" if corner_box is not None else ")")
        )
    picked = np.sort(rng.choice(np.flatnonzero(ok), size=n, replace=False))
    cut_cols = -(-width // size)  # ingest pads the partial last column, so its grid is one wider
    return [
        ChipWindow(f"{tile_id}_{i:02d}", int(r_off[p]), int(c_off[p]), size, size,
                   int(r_off[p] // size * cut_cols + c_off[p] // size))
        for i, p in enumerate(picked)
    ]


def centre_in_band(tile_id: str, epsg: int, origin: tuple[float, float], size: int = CHIP_SIZE,
                   pixel_size: float = PIXEL_SIZE_M):
    """A `keep` filter: the window's centre lies in the tile's latitude band, as imagery.lib.geo.tile_of_bounds needs."""
    band = geo.parse_tile_id(tile_id)[2]

    def keep(row_off: np.ndarray, col_off: np.ndarray) -> np.ndarray:
        x = origin[0] + (col_off + size / 2) * pixel_size
        y = origin[1] - (row_off + size / 2) * pixel_size
        _, lat = _to_lonlat(epsg).transform(x, y)
        return np.array([-80 <= v <= 84 and geo.latitude_band(v) == band for v in np.atleast_1d(lat)], dtype=bool)

    return keep


@functools.lru_cache(maxsize=64)
def _to_lonlat(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


MASK_MAX_SIDE = 2048  # finer no-data masks are averaged down to this first, to bound the integral image's memory


def window_nodata_fraction(
    nodata: np.ndarray, tile_shape: tuple[int, int], row_off: np.ndarray, col_off: np.ndarray, size: int
) -> np.ndarray:
    """Share of no-data raster cells under each window; the raster may be coarser or finer than the tile grid."""
    nodata = np.asarray(nodata, dtype=bool)
    factor = -(-max(nodata.shape) // MASK_MAX_SIDE)
    share = _block_mean(nodata, factor) if factor > 1 else nodata.astype(float)
    sy, sx = share.shape[0] / tile_shape[0], share.shape[1] / tile_shape[1]
    # integral image: any window's sum in four lookups
    integral = np.zeros((share.shape[0] + 1, share.shape[1] + 1))
    integral[1:, 1:] = share.cumsum(0).cumsum(1)
    r0 = np.floor(row_off * sy).astype(int)
    c0 = np.floor(col_off * sx).astype(int)
    r1 = np.maximum(np.ceil((row_off + size) * sy).astype(int), r0 + 1).clip(max=share.shape[0])
    c1 = np.maximum(np.ceil((col_off + size) * sx).astype(int), c0 + 1).clip(max=share.shape[1])
    total = integral[r1, c1] - integral[r0, c1] - integral[r1, c0] + integral[r0, c0]
    return np.clip(total / ((r1 - r0) * (c1 - c0)), 0.0, 1.0).round(12)  # round: cumsum noise must not hide a 0


def _block_mean(mask: np.ndarray, factor: int) -> np.ndarray:
    """Share of True over factor×factor blocks (edge blocks count only the cells they hold), without a float copy."""
    rows, cols = np.arange(0, mask.shape[0], factor), np.arange(0, mask.shape[1], factor)
    sums = np.add.reduceat(np.add.reduceat(mask, rows, axis=0, dtype=np.int32), cols, axis=1)
    heights = np.diff(np.append(rows, mask.shape[0]))
    widths = np.diff(np.append(cols, mask.shape[1]))
    return sums / np.outer(heights, widths)


def window_bounds(
    windows: list[ChipWindow], origin: tuple[float, float], pixel_size: float = PIXEL_SIZE_M
) -> np.ndarray:
    """(n, 4) CRS bounds (minx, miny, maxx, maxy) of windows in a north-up grid whose upper-left corner is `origin`."""
    x0, y0 = origin
    off = np.array([(w.row_off, w.col_off, w.height, w.width) for w in windows], dtype=float).reshape(-1, 4)
    minx = x0 + off[:, 1] * pixel_size
    maxy = y0 - off[:, 0] * pixel_size
    return np.column_stack([minx, maxy - off[:, 2] * pixel_size, minx + off[:, 3] * pixel_size, maxy])


WINDOW_COLUMNS = ("chip_id", "tile_id", "chip_index", "row_off", "col_off", "height", "width", "epsg",
                  "minx", "miny", "maxx", "maxy")


def window_rows(tile_id: str, windows: list[ChipWindow], epsg: int, bounds: np.ndarray) -> list[dict[str, object]]:
    """CSV rows in WINDOW_COLUMNS order (bounds to the millimetre)."""
    rows = []
    for w, b in zip(windows, bounds):
        row = dict(chip_id=w.chip_id, tile_id=tile_id, chip_index=w.index, row_off=w.row_off, col_off=w.col_off,
                   height=w.height, width=w.width, epsg=epsg)
        rows.append(row | {k: f"{v:.3f}" for k, v in zip(("minx", "miny", "maxx", "maxy"), b)})
    return rows
