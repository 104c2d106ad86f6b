"""Raster reading for imagery.lib.sources: the standard scene types, checked grids, windowed reads (pure; no Django)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import RasterioError
from rasterio.windows import Window as RioWindow

from imagery.lib import geo
from imagery.lib.cache import ArrayLRU
from imagery.lib.domain import BANDS, PIXEL_SIZE_M, REFLECTANCE_SCALE

PIXEL_TOLERANCE = 0.01  # relative; the eo-learn patch is on a 9.995 × 9.998 m grid
BAND_FILE = re.compile(r"^(?P<prefix>.+)_(?P<band>B(?:0[1-9]|1[0-2]|8A))\.tiff?$", re.IGNORECASE)
DATE_IN_NAME = re.compile(r"(?<!\d)(\d{8})(?!\d)")


class SourceError(ValueError):
    """Input that cannot be ingested; the message says which file and why."""


Window = tuple[int, int, int, int]  # row_off, col_off, height, width in source pixels


@dataclass
class SceneData:
    bands: np.ndarray  # (10, h, w) uint16, 0 = no data
    scl: np.ndarray | None = None  # (h, w) uint8 Sen2Cor classes
    cloud_mask: np.ndarray | None = None  # (h, w) uint8: 1 cloud, 0 clear, ABSENT unknown


@dataclass
class SourceScene:
    """One date of a source. Pixels are read on demand, one window at a time, so a whole tile never sits in memory."""

    date: date
    reader: Callable[[Window], SceneData]
    height: int
    width: int
    has_scl: bool = False
    has_cloud_mask: bool = False
    origin: str = ""

    def read(self, window: Window | None = None) -> SceneData:
        return self.reader(window or (0, 0, self.height, self.width))

    # Whole-raster views, for tests and small sources.
    @property
    def bands(self) -> np.ndarray:
        return self.read().bands

    @property
    def scl(self) -> np.ndarray | None:
        return self.read().scl

    @property
    def cloud_mask(self) -> np.ndarray | None:
        return self.read().cloud_mask


@dataclass
class Source:
    name: str
    layout: str
    epsg: int
    transform: tuple[float, ...]  # a, b, c, d, e, f
    height: int
    width: int
    scenes: list[SourceScene] = field(default_factory=list)
    chip_id: str | None = None  # from the file name (LandCoverNet) or --chip-id
    tile: str | None = None  # from the file name or --tile
    dn_offset: int = 0  # added to reflectance DNs at ingest: -1000 harmonises L2A baseline >= 04.00 (2022 on)


@dataclass
class Grid:
    epsg: int
    transform: tuple[float, ...]
    height: int
    width: int


# --- small helpers -------------------------------------------------------------------------------------------


def open_raster(path: Path):
    try:
        return rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise SourceError(f"{path}: unreadable raster ({exc})") from exc


# Striped files (one block = whole rows) decode every row a window touches across the full width: for them a window
# reads its full-width row band once, and the next chips of the same chip row are cut from it without reopening.
_ROW_BANDS = ArrayLRU(max_bytes=512 * 2**20)


def clear_read_cache() -> None:
    """Free the row bands once an ingest is done (a long-lived process must not keep them)."""
    _ROW_BANDS.clear()


@lru_cache(maxsize=1024)
def _is_striped(path: str, mtime_ns: int) -> bool:
    with rasterio.open(path) as src:
        return src.block_shapes[0][1] >= src.width


def read_window(path: Path, window: Window | None = None, *, indexes) -> np.ndarray:
    """Pixels of `path` in a (row_off, col_off, height, width) window; SourceError if they cannot be read."""
    try:
        if window is None:
            with rasterio.open(path) as src:
                return src.read(indexes)
        row0, col0, h, w = window
        stat = Path(path).stat()
        if not _is_striped(str(path), stat.st_mtime_ns):  # tiled: read just the window
            with rasterio.open(path) as src:
                return src.read(indexes, window=RioWindow(col0, row0, w, h))

        def row_band():
            with rasterio.open(path) as src:
                return src.read(indexes, window=RioWindow(0, row0, src.width, h))

        key = (str(path), stat.st_mtime_ns, stat.st_size, row0, h, str(indexes))
        return _ROW_BANDS.get_or_load(key, row_band)[..., col0: col0 + w].copy()
    except (RasterioError, OSError) as exc:
        raise SourceError(f"{path}: unreadable raster data ({exc})") from exc


def raster_grid(src, path: Path) -> Grid:
    if src.crs is None:
        raise SourceError(f"{path}: no CRS; ingest needs georeferenced rasters in a UTM CRS")
    epsg = src.crs.to_epsg()
    if epsg is None:
        raise SourceError(f"{path}: CRS {src.crs} has no EPSG code; expected WGS 84 / UTM")
    try:
        geo.utm_zone(epsg)
    except geo.GeoError as exc:
        raise SourceError(f"{path}: {exc}") from exc
    t = src.transform
    if t.b != 0 or t.d != 0 or t.e >= 0:
        raise SourceError(f"{path}: the grid is rotated or not north-up ({tuple(t)[:6]})")
    return Grid(epsg, tuple(float(v) for v in tuple(t)[:6]), src.height, src.width)


def check_10m(grid: Grid, path: Path) -> None:
    for size in (grid.transform[0], -grid.transform[4]):
        if abs(size - PIXEL_SIZE_M) > PIXEL_SIZE_M * PIXEL_TOLERANCE:
            raise SourceError(f"{path}: pixels are {size:g} m; expected the 10 m grid")


def same_grid(a: Grid, b: Grid) -> bool:
    return a.epsg == b.epsg and (a.height, a.width) == (b.height, b.width) and np.allclose(
        a.transform, b.transform, rtol=0, atol=1e-6
    )


def require_same_grid(grids: list[tuple[Grid, Path]]) -> None:
    first, first_path = grids[0]
    for grid, path in grids[1:]:
        if not same_grid(first, grid):
            raise SourceError(
                f"mixed CRS or grid between dates: {path.name} (EPSG:{grid.epsg}, {grid.height}×{grid.width}, "
                f"origin {grid.transform[2]:.1f},{grid.transform[5]:.1f}) differs from {first_path.name} "
                f"(EPSG:{first.epsg}, {first.height}×{first.width}, origin {first.transform[2]:.1f},"
                f"{first.transform[5]:.1f})"
            )


def parse_date(text: str, where: str) -> date:
    """A date from 'YYYYMMDD', 'YYYY-MM-DD' or an ISO datetime; SourceError names `where` if it does not parse."""
    value = text.strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(value[: 8 if fmt == "%Y%m%d" else 10], fmt).date()
        except ValueError:
            continue
    raise SourceError(f"{where}: date {text!r} does not parse (expected YYYY-MM-DD or YYYYMMDD)")


def date_of(path: Path, tags: dict, fallback: date | None) -> date:
    """Date from the file name, else the `datetime`/`date` tag, else the --date fallback."""
    found = DATE_IN_NAME.search(path.stem)
    if found:
        return parse_date(found.group(1), str(path))
    for key in ("datetime", "date"):
        if key in tags and re.match(r"^\d{4}-?\d{2}-?\d{2}", tags[key].strip()):
            return parse_date(tags[key], f"{path} tag {key}")
    if fallback is not None:
        return fallback
    raise SourceError(f"{path}: no acquisition date in the file name or tags; pass --date YYYY-MM-DD")


def to_uint16(values: np.ndarray) -> np.ndarray:
    """Reflectance of any source dtype to uint16 DN ×10000; non-positive and NaN become no data (0)."""
    if np.issubdtype(values.dtype, np.floating):
        if np.nanmax(values, initial=0) <= 2.0:  # reflectance 0..1 (L1C float): scale to DN
            values = values * REFLECTANCE_SCALE
        values = np.nan_to_num(np.rint(values), nan=0.0)
    return np.clip(values, 0, np.iinfo(np.uint16).max).astype(np.uint16)


def band_order(src, path: Path, expected: tuple[str, ...]) -> list[int]:
    """0-based indexes that put the file's bands in BANDS order (by band descriptions when set)."""
    names = [(d or "").strip().upper() for d in src.descriptions]
    if all(names) and set(BANDS) <= set(names):
        return [names.index(b) for b in BANDS]
    if src.count != len(expected):
        raise SourceError(f"{path}: wrong band count {src.count}; expected 10 (B02…B12) or 13 (L1C B01…B12)")
    return [expected.index(b) for b in BANDS]
