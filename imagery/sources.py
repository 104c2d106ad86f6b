"""Readers that turn each real Sentinel-2 layout into one standard form (no Django).

A `Source` is one place on one grid (CRS, transform, size) with one or more dates. Each `SourceScene` reads any
window as `SceneData`: a (10, h, w) uint16 stack in `imagery.domain.BANDS` order (0 = no data), an optional SCL and
an optional binary cloud mask. Metadata is checked when a source is found; pixels are read window by window, so
choosing a few chips of a full Sentinel-2 tile reads only those.
Layouts (see ../shared/data/README.md):
  - LandCoverNet chips: `<prefix>_bands10.tif` (+ `_SCL.tif`, `_CLD.tif`), prefix `<tile>_<nn>_<yyyymmdd>` or free;
  - per-band files of one date at 10/20/60 m: `<prefix>_B02.tif` … (20 m bands → 10 m by nearest neighbour);
  - multi-date 13-band L1C stacks (float 0..1 or DN), cloud mask from a sibling `clm_*.tif` + `timestamps.json`;
  - per-date 10-band stacks (e.g. THEIA L3A, int16), no cloud layer.
All files of a directory that are not LandCoverNet chips belong to one place: their grids must agree.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import RasterioError
from rasterio.windows import Window as RioWindow

from . import geo
from .core_cache import ArrayLRU
from .domain import ABSENT, BANDS, PIXEL_SIZE_M, REFLECTANCE_SCALE

L1C_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")
CLD_THRESHOLD = 50  # LandCoverNet CLD probability (%) at and above which a pixel counts as cloud
PIXEL_TOLERANCE = 0.01  # relative; the eo-learn patch is on a 9.995 × 9.998 m grid

_LCN_PREFIX = re.compile(r"^(?P<tile>\d{2}[C-HJ-NP-X][A-HJ-NP-Z][A-HJ-NP-V])_(?P<num>\d{2,3})_(?P<date>\d{8})$")
_BAND_FILE = re.compile(r"^(?P<prefix>.+)_(?P<band>B(?:0[1-9]|1[0-2]|8A))\.tiff?$", re.IGNORECASE)
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{8})(?!\d)")
_TILE_IN_NAME = re.compile(r"(?:^|_)T(\d{2}[A-Z]{3})(?:_|$)")


class SourceError(ValueError):
    """Input that cannot be ingested; the message says which file and why."""


Window = tuple[int, int, int, int]  # row_off, col_off, height, width in source pixels


@dataclass
class SceneData:
    bands: np.ndarray  # (10, h, w) uint16, 0 = no data
    scl: np.ndarray | None = None  # (h, w) uint8 Sen2Cor classes
    cloud: np.ndarray | None = None  # (h, w) uint8: 1 cloud, 0 clear, ABSENT unknown


@dataclass
class SourceScene:
    """One date of a source. Pixels are read on demand, one window at a time, so a whole tile never sits in memory."""

    date: date
    reader: Callable[[Window], SceneData]
    height: int
    width: int
    has_scl: bool = False
    has_cloud: bool = False
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
    def cloud(self) -> np.ndarray | None:
        return self.read().cloud


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


@dataclass
class _Grid:
    epsg: int
    transform: tuple[float, ...]
    height: int
    width: int


# --- small helpers -------------------------------------------------------------------------------------------


def _open(path: Path):
    try:
        return rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise SourceError(f"{path}: unreadable raster ({exc})") from exc


# Striped files (one block = whole rows) decode every row a window touches across the full width: for them a window
# reads its full-width row band once, and the next chips of the same chip row are cut from it without reopening.
_ROW_BANDS = ArrayLRU(max_bytes=512 * 2**20)


@lru_cache(maxsize=1024)
def _is_striped(path: str, mtime_ns: int) -> bool:
    with rasterio.open(path) as src:
        return src.block_shapes[0][1] >= src.width


def _read(path: Path, window: Window | None = None, *, indexes) -> np.ndarray:
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


def _grid(src, path: Path) -> _Grid:
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
    return _Grid(epsg, tuple(float(v) for v in tuple(t)[:6]), src.height, src.width)


def _check_10m(grid: _Grid, path: Path) -> None:
    for size in (grid.transform[0], -grid.transform[4]):
        if abs(size - PIXEL_SIZE_M) > PIXEL_SIZE_M * PIXEL_TOLERANCE:
            raise SourceError(f"{path}: pixels are {size:g} m; expected the 10 m grid")


def _same_grid(a: _Grid, b: _Grid) -> bool:
    return a.epsg == b.epsg and (a.height, a.width) == (b.height, b.width) and np.allclose(
        a.transform, b.transform, rtol=0, atol=1e-6
    )


def _require_same_grid(grids: list[tuple[_Grid, Path]]) -> None:
    first, first_path = grids[0]
    for grid, path in grids[1:]:
        if not _same_grid(first, grid):
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


def _date_of(path: Path, tags: dict, fallback: date | None) -> date:
    """Date from the file name, else the `datetime`/`date` tag, else the --date fallback."""
    found = _DATE_IN_NAME.search(path.stem)
    if found:
        return parse_date(found.group(1), str(path))
    for key in ("datetime", "date"):
        if key in tags and re.match(r"^\d{4}-?\d{2}-?\d{2}", tags[key].strip()):
            return parse_date(tags[key], f"{path} tag {key}")
    if fallback is not None:
        return fallback
    raise SourceError(f"{path}: no acquisition date in the file name or tags; pass --date YYYY-MM-DD")


def _to_uint16(values: np.ndarray) -> np.ndarray:
    """Reflectance of any source dtype to uint16 DN ×10000; non-positive and NaN become no data (0)."""
    if np.issubdtype(values.dtype, np.floating):
        if np.nanmax(values, initial=0) <= 2.0:  # reflectance 0..1 (L1C float): scale to DN
            values = values * REFLECTANCE_SCALE
        values = np.nan_to_num(np.rint(values), nan=0.0)
    return np.clip(values, 0, np.iinfo(np.uint16).max).astype(np.uint16)


def _band_order(src, path: Path, expected: tuple[str, ...]) -> list[int]:
    """0-based indexes that put the file's bands in BANDS order (by band descriptions when set)."""
    names = [(d or "").strip().upper() for d in src.descriptions]
    if all(names) and set(BANDS) <= set(names):
        return [names.index(b) for b in BANDS]
    if src.count != len(expected):
        raise SourceError(f"{path}: wrong band count {src.count}; expected 10 (B02…B12) or 13 (L1C B01…B12)")
    return [expected.index(b) for b in BANDS]


# --- layouts --------------------------------------------------------------------------------------------------


def _landcovernet_chips(paths: list[Path], fallback_date: date | None) -> list[Source]:
    groups: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        named = _LCN_PREFIX.match(path.name[: -len("_bands10.tif")])
        groups[f"{named['tile']}_{named['num']}" if named else str(path)[: -len("_bands10.tif")]].append(path)
    sources = []
    for key, members in sorted(groups.items()):
        named = _LCN_PREFIX.match(key + "_00000000")  # the key of a named chip is "<tile>_<nn>"
        scenes, grids = [], []
        for path in sorted(members):
            prefix = path.parent / path.name[: -len("_bands10.tif")]
            with _open(path) as src:
                grid = _grid(src, path)
                _check_10m(grid, path)
                if src.count != len(BANDS):
                    raise SourceError(f"{path}: wrong band count {src.count}; a _bands10 file holds 10 bands")
                order = _band_order(src, path, BANDS)
                day = _date_of(path, src.tags(), fallback_date)
            scl = _companion(Path(f"{prefix}_SCL.tif"), grid)
            cld = _companion(Path(f"{prefix}_CLD.tif"), grid)
            grids.append((grid, path))
            scenes.append(SourceScene(day, _chip_reader(path, order, scl, cld), grid.height, grid.width,
                                      has_scl=scl is not None, has_cloud=cld is not None, origin=str(path)))
        _require_same_grid(grids)
        grid = grids[0][0]
        sources.append(Source(key if named else Path(key).name, "landcovernet", grid.epsg, grid.transform,
                              grid.height, grid.width, scenes, chip_id=key if named else None,
                              tile=named["tile"] if named else None))
    return sources


def _companion(path: Path, grid: _Grid) -> tuple[Path, float | None] | None:
    """(path, nodata) of a chip's SCL/CLD file when it exists and shares the chip's grid."""
    if not path.exists():
        return None
    with _open(path) as src:
        if not _same_grid(_grid(src, path), grid):
            raise SourceError(f"{path}: its grid differs from the chip's bands")
        return path, src.nodata


def _chip_reader(path: Path, order: list[int], scl, cld) -> Callable[[Window], SceneData]:
    def read(window: Window) -> SceneData:
        bands = _to_uint16(_read(path, window, indexes=[i + 1 for i in order]))
        out = SceneData(bands)
        if scl is not None:
            out.scl = _read(scl[0], window, indexes=1).astype(np.uint8)
        if cld is not None:
            values = _read(cld[0], window, indexes=1)
            out.cloud = (values >= CLD_THRESHOLD).astype(np.uint8)
            if cld[1] is not None:
                out.cloud[values == cld[1]] = ABSENT
        return out

    return read


def _per_band_files(paths: list[Path], fallback_date: date | None) -> list[Source]:
    by_prefix: dict[str, dict[str, Path]] = defaultdict(dict)
    for path in paths:
        match = _BAND_FILE.match(path.name)
        by_prefix[str(path.parent / match["prefix"])][match["band"].upper()] = path
    scenes, grids, tile = [], [], None
    for prefix, files in sorted(by_prefix.items()):
        missing = [b for b in BANDS if b not in files]
        if missing:
            raise SourceError(f"{prefix}_B*.tif: missing band file(s) {', '.join(missing)}")
        with _open(files["B02"]) as ref:
            grid = _grid(ref, files["B02"])
            tags = ref.tags()
        _check_10m(grid, files["B02"])
        factors = [_resolution_factor(files[band], grid, files["B02"]) for band in BANDS]
        named_tile = _TILE_IN_NAME.search(Path(prefix).name)
        tile = tile or (named_tile.group(1) if named_tile else None)
        grids.append((grid, files["B02"]))
        day = _date_of(Path(prefix + ".tif"), tags, fallback_date)
        reader = _band_files_reader([files[b] for b in BANDS], factors)
        scenes.append(SourceScene(day, reader, grid.height, grid.width, origin=prefix))
    _require_same_grid(grids)
    grid = grids[0][0]
    name = Path(sorted(by_prefix)[0]).name
    return [Source(name, "per-band", grid.epsg, grid.transform, grid.height, grid.width, scenes, tile=tile)]


def _resolution_factor(path: Path, grid: _Grid, ref: Path) -> int:
    """How many 10 m pixels a pixel of this band file spans (1, 2 or 6); its extent must match the 10 m band's."""
    with _open(path) as src:
        band_grid = _grid(src, path)
        count = src.count
    factor = band_grid.transform[0] / grid.transform[0]
    same_extent = band_grid.epsg == grid.epsg and np.allclose(
        geo.bounds_of(band_grid.transform, band_grid.height, band_grid.width),
        geo.bounds_of(grid.transform, grid.height, grid.width), atol=1e-3)
    if count != 1 or not same_extent or abs(factor - round(factor)) > 1e-6:
        raise SourceError(f"{path}: its CRS, extent, resolution or band count does not fit {ref.name}")
    return round(factor)


def _band_files_reader(paths: list[Path], factors: list[int]) -> Callable[[Window], SceneData]:
    def read(window: Window) -> SceneData:
        row0, col0, h, w = window
        bands = np.zeros((len(paths), h, w), dtype=np.uint16)
        for i, (path, f) in enumerate(zip(paths, factors)):
            # Read the coarse pixels covering the window, then repeat each f×f: nearest neighbour, DNs unchanged.
            r, c = row0 // f, col0 // f
            coarse = _read(path, (r, c, -(-(row0 + h) // f) - r, -(-(col0 + w) // f) - c), indexes=1)
            fine = np.repeat(np.repeat(coarse, f, axis=0), f, axis=1) if f > 1 else coarse
            bands[i] = _to_uint16(fine[row0 - r * f: row0 - r * f + h, col0 - c * f: col0 - c * f + w])
        return SceneData(bands)

    return read


def _cloud_masks_by_date(folder: Path) -> dict[date, tuple[Path, int, _Grid]]:
    """eo-learn layout: `clm_*.tif` holds one cloud-mask band a date, listed in `timestamps.json`."""
    masks = {}
    stamps_file = folder / "timestamps.json"
    for path in sorted(folder.glob("clm_*.tif")):
        with _open(path) as src:
            if stamps_file.exists():
                stamps = json.loads(stamps_file.read_text())["timestamps"]
            else:
                stamps = list(src.descriptions)
            if len(stamps) != src.count:
                raise SourceError(f"{path}: {src.count} bands but {len(stamps)} timestamps in {stamps_file.name}")
            grid = _grid(src, path)
        for i, stamp in enumerate(stamps):
            masks.setdefault(parse_date(stamp, f"{stamps_file} entry {i}"), (path, i + 1, grid))
    return masks


def _stacks(paths: list[Path], fallback_date: date | None) -> list[Source]:
    """Per-date multiband files of one place (10-band L2A/L3A or 13-band L1C)."""
    scenes, grids, tile, counts = [], [], None, set()
    masks = _cloud_masks_by_date(paths[0].parent)
    for path in sorted(paths):
        with _open(path) as src:
            if src.count not in (len(BANDS), len(L1C_BANDS)):
                raise SourceError(
                    f"{path}: wrong band count {src.count}; expected 10 (B02…B12) or 13 (L1C B01…B12)"
                )
            grid = _grid(src, path)
            _check_10m(grid, path)
            order = _band_order(src, path, BANDS if src.count == len(BANDS) else L1C_BANDS)
            day = _date_of(path, src.tags(), fallback_date)
            counts.add(src.count)
        mask = masks.get(day)
        if mask is not None and not _same_grid(mask[2], grid):
            raise SourceError(f"{mask[0]}: its grid differs from {path.name}")
        named_tile = _TILE_IN_NAME.search(path.stem)
        tile = tile or (named_tile.group(1) if named_tile else None)
        grids.append((grid, path))
        scenes.append(SourceScene(day, _stack_reader(path, order, mask), grid.height, grid.width,
                                  has_cloud=mask is not None, origin=str(path)))
    _require_same_grid(grids)
    grid = grids[0][0]
    layout = "l1c-stack" if len(L1C_BANDS) in counts else "stack"
    return [Source(paths[0].parent.name, layout, grid.epsg, grid.transform, grid.height, grid.width, scenes,
                   tile=tile)]


def _stack_reader(path: Path, order: list[int], mask) -> Callable[[Window], SceneData]:
    def read(window: Window) -> SceneData:
        out = SceneData(_to_uint16(_read(path, window, indexes=[i + 1 for i in order])))
        if mask is not None:
            out.cloud = (_read(mask[0], window, indexes=mask[1]) > 0).astype(np.uint8)
        return out

    return read


# --- discovery ------------------------------------------------------------------------------------------------


def _is_companion(path: Path, bands10_prefixes: set[str]) -> bool:
    """SCL/CLD/B01/B09 files of a LandCoverNet chip, and eo-learn's side layers."""
    stem = path.stem
    for suffix in ("_SCL", "_CLD", "_B01", "_B09", "_B10"):
        if stem.endswith(suffix) and str(path.parent / stem[: -len(suffix)]) in bands10_prefixes:
            return True
    return False


def classify(paths: list[Path]) -> dict[str, list[Path]]:
    """Sort files into layouts. Files of a directory that fit no layout (masks, DEM, labels) are 'ignored'."""
    files: list[tuple[Path, bool]] = []  # (file, named explicitly)
    for path in paths:
        if path.is_dir():
            files += [(p, False) for p in sorted(path.glob("*.tif")) + sorted(path.glob("*.tiff"))]
        elif path.exists():
            files.append((path, True))
        else:
            raise SourceError(f"{path}: no such file or directory")
    files = list({p.resolve(): (p, explicit) for p, explicit in files}.values())  # a file named twice counts once
    bands10 = {str(p.parent / p.name[: -len("_bands10.tif")]) for p, _ in files if p.name.endswith("_bands10.tif")}
    out: dict[str, list[Path]] = defaultdict(list)
    for path, explicit in files:
        if path.name.endswith("_bands10.tif"):
            out["landcovernet"].append(path)
        elif _is_companion(path, bands10):
            out["ignored"].append(path)
        elif path.name.startswith("clm_"):
            out["cloud-masks"].append(path)  # read by the stacks of its folder
        elif _BAND_FILE.match(path.name):
            out["per-band"].append(path)
        elif explicit or _DATE_IN_NAME.search(path.stem):
            out[f"stack:{path.parent}"].append(path)
        else:
            out["ignored"].append(path)
    return out


def read_sources(paths: list[Path], *, fallback_date: date | None = None) -> tuple[list[Source], list[Path]]:
    """Find and check every source under `paths` (metadata only); returns (sources, ignored files). Raises SourceError."""
    groups = classify([Path(p) for p in paths])
    sources: list[Source] = []
    if groups.get("landcovernet"):
        sources += _landcovernet_chips(groups["landcovernet"], fallback_date)
    if groups.get("per-band"):
        by_folder: dict[Path, list[Path]] = defaultdict(list)
        for path in groups["per-band"]:
            by_folder[path.parent].append(path)
        for folder_paths in by_folder.values():
            sources += _per_band_files(folder_paths, fallback_date)
    for key, group in sorted(groups.items()):
        if key.startswith("stack:"):
            sources += _stacks(group, fallback_date)
    for source in sources:
        days = [s.date for s in source.scenes]
        if len(set(days)) != len(days):
            raise SourceError(f"{source.name}: two scenes share a date ({sorted(days)})")
        source.scenes.sort(key=lambda s: s.date)
    if not sources:
        raise SourceError(f"no Sentinel-2 imagery found in {', '.join(str(p) for p in paths)}")
    return sources, groups.get("ignored", [])
