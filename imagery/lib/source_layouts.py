"""The four real Sentinel-2 layouts of ../shared/data, each read into `Source`s (pure; no Django)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from imagery.lib import geo
from imagery.lib.domain import ABSENT, BANDS
from imagery.lib.source_io import (
    BAND_FILE,
    Grid,
    SceneData,
    Source,
    SourceError,
    SourceScene,
    Window,
    band_order,
    check_10m,
    date_of,
    open_raster,
    parse_date,
    raster_grid,
    read_window,
    require_same_grid,
    same_grid,
    to_uint16,
)

L1C_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")
CLD_THRESHOLD = 50  # LandCoverNet CLD probability (%) at and above which a pixel counts as cloud
_LCN_PREFIX = re.compile(r"^(?P<tile>\d{2}[C-HJ-NP-X][A-HJ-NP-Z][A-HJ-NP-V])_(?P<num>\d{2,3})_(?P<date>\d{8})$")
_TILE_IN_NAME = re.compile(r"(?:^|_)T(\d{2}[A-Z]{3})(?:_|$)")


# --- layouts --------------------------------------------------------------------------------------------------


def landcovernet_chips(paths: list[Path], fallback_date: date | None) -> list[Source]:
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
            with open_raster(path) as src:
                grid = raster_grid(src, path)
                check_10m(grid, path)
                if src.count != len(BANDS):
                    raise SourceError(f"{path}: wrong band count {src.count}; a _bands10 file holds 10 bands")
                order = band_order(src, path, BANDS)
                day = date_of(path, src.tags(), fallback_date)
            scl = _companion(Path(f"{prefix}_SCL.tif"), grid)
            cld = _companion(Path(f"{prefix}_CLD.tif"), grid)
            grids.append((grid, path))
            scenes.append(SourceScene(day, _chip_reader(path, order, scl, cld), grid.height, grid.width,
                                      has_scl=scl is not None, has_cloud_mask=cld is not None, origin=str(path)))
        require_same_grid(grids)
        grid = grids[0][0]
        sources.append(Source(key if named else Path(key).name, "landcovernet", grid.epsg, grid.transform,
                              grid.height, grid.width, scenes, chip_id=key if named else None,
                              tile=named["tile"] if named else None))
    return sources


def _companion(path: Path, grid: Grid) -> tuple[Path, float | None] | None:
    """(path, nodata) of a chip's SCL/CLD file when it exists and shares the chip's grid."""
    if not path.exists():
        return None
    with open_raster(path) as src:
        if not same_grid(raster_grid(src, path), grid):
            raise SourceError(f"{path}: its grid differs from the chip's bands")
        return path, src.nodata


def _chip_reader(path: Path, order: list[int], scl, cld) -> Callable[[Window], SceneData]:
    def read(window: Window) -> SceneData:
        bands = to_uint16(read_window(path, window, indexes=[i + 1 for i in order]))
        out = SceneData(bands)
        if scl is not None:
            out.scl = read_window(scl[0], window, indexes=1).astype(np.uint8)
        if cld is not None:
            values = read_window(cld[0], window, indexes=1)
            out.cloud_mask = (values >= CLD_THRESHOLD).astype(np.uint8)
            if cld[1] is not None:
                out.cloud_mask[values == cld[1]] = ABSENT
        return out

    return read


def per_band_files(paths: list[Path], fallback_date: date | None) -> list[Source]:
    by_prefix: dict[str, dict[str, Path]] = defaultdict(dict)
    for path in paths:
        match = BAND_FILE.match(path.name)
        by_prefix[str(path.parent / match["prefix"])][match["band"].upper()] = path
    scenes, grids, tile = [], [], None
    for prefix, files in sorted(by_prefix.items()):
        missing = [b for b in BANDS if b not in files]
        if missing:
            raise SourceError(f"{prefix}_B*.tif: missing band file(s) {', '.join(missing)}")
        with open_raster(files["B02"]) as ref:
            grid = raster_grid(ref, files["B02"])
            tags = ref.tags()
        check_10m(grid, files["B02"])
        factors = [_resolution_factor(files[band], grid, files["B02"]) for band in BANDS]
        named_tile = _TILE_IN_NAME.search(Path(prefix).name)
        tile = tile or (named_tile.group(1) if named_tile else None)
        grids.append((grid, files["B02"]))
        day = date_of(Path(prefix + ".tif"), tags, fallback_date)
        scl = Path(prefix + "_SCL.tif")
        scl = (scl, _resolution_factor(scl, grid, files["B02"])) if scl.exists() else None
        reader = _band_files_reader([files[b] for b in BANDS], factors, scl)
        scenes.append(SourceScene(day, reader, grid.height, grid.width, has_scl=scl is not None, origin=prefix))
    require_same_grid(grids)
    grid = grids[0][0]
    name = Path(sorted(by_prefix)[0]).name
    return [Source(name, "per-band", grid.epsg, grid.transform, grid.height, grid.width, scenes, tile=tile)]


def _resolution_factor(path: Path, grid: Grid, ref: Path) -> int:
    """How many 10 m pixels a pixel of this band file spans (1, 2 or 6); its extent must match the 10 m band's."""
    with open_raster(path) as src:
        band_grid = raster_grid(src, path)
        count = src.count
    factor = band_grid.transform[0] / grid.transform[0]
    same_extent = band_grid.epsg == grid.epsg and np.allclose(
        geo.bounds_of(band_grid.transform, band_grid.height, band_grid.width),
        geo.bounds_of(grid.transform, grid.height, grid.width), atol=1e-3)
    if count != 1 or not same_extent or abs(factor - round(factor)) > 1e-6:
        raise SourceError(f"{path}: its CRS, extent, resolution or band count does not fit {ref.name}")
    return round(factor)


def _band_files_reader(paths: list[Path], factors: list[int], scl: tuple[Path, int] | None = None
                       ) -> Callable[[Window], SceneData]:
    def read(window: Window) -> SceneData:
        bands = np.zeros((len(paths), window[2], window[3]), dtype=np.uint16)
        for i, (path, f) in enumerate(zip(paths, factors)):
            bands[i] = to_uint16(_nearest_10m(path, f, window))
        out = SceneData(bands)
        if scl is not None:  # classes: nearest neighbour is the only resampling that keeps them classes
            out.scl = _nearest_10m(*scl, window).astype(np.uint8)
        return out

    return read


def _nearest_10m(path: Path, f: int, window: Window) -> np.ndarray:
    """A window of the 10 m grid from a band at f × 10 m: the coarse pixels covering it, each repeated f×f (nearest
    neighbour, values unchanged)."""
    row0, col0, h, w = window
    r, c = row0 // f, col0 // f
    coarse = read_window(path, (r, c, -(-(row0 + h) // f) - r, -(-(col0 + w) // f) - c), indexes=1)
    fine = np.repeat(np.repeat(coarse, f, axis=0), f, axis=1) if f > 1 else coarse
    return fine[row0 - r * f: row0 - r * f + h, col0 - c * f: col0 - c * f + w]


def _cloud_masks_by_date(folder: Path) -> dict[date, tuple[Path, int, Grid]]:
    """eo-learn layout: `clm_*.tif` holds one cloud-mask band a date, listed in `timestamps.json`."""
    masks = {}
    stamps_file = folder / "timestamps.json"
    for path in sorted(folder.glob("clm_*.tif")):
        with open_raster(path) as src:
            if stamps_file.exists():
                stamps = json.loads(stamps_file.read_text())["timestamps"]
            else:
                stamps = list(src.descriptions)
            if len(stamps) != src.count:
                raise SourceError(f"{path}: {src.count} bands but {len(stamps)} timestamps in {stamps_file.name}")
            grid = raster_grid(src, path)
        for i, stamp in enumerate(stamps):
            masks.setdefault(parse_date(stamp, f"{stamps_file} entry {i}"), (path, i + 1, grid))
    return masks


def stacks(paths: list[Path], fallback_date: date | None) -> list[Source]:
    """Per-date multiband files of one place (10-band L2A/L3A or 13-band L1C)."""
    scenes, grids, tile, counts = [], [], None, set()
    masks = _cloud_masks_by_date(paths[0].parent)
    for path in sorted(paths):
        with open_raster(path) as src:
            if src.count not in (len(BANDS), len(L1C_BANDS)):
                raise SourceError(
                    f"{path}: wrong band count {src.count}; expected 10 (B02…B12) or 13 (L1C B01…B12)"
                )
            grid = raster_grid(src, path)
            check_10m(grid, path)
            order = band_order(src, path, BANDS if src.count == len(BANDS) else L1C_BANDS)
            day = date_of(path, src.tags(), fallback_date)
            counts.add(src.count)
        mask = masks.get(day)
        if mask is not None and not same_grid(mask[2], grid):
            raise SourceError(f"{mask[0]}: its grid differs from {path.name}")
        named_tile = _TILE_IN_NAME.search(path.stem)
        tile = tile or (named_tile.group(1) if named_tile else None)
        grids.append((grid, path))
        scenes.append(SourceScene(day, _stack_reader(path, order, mask), grid.height, grid.width,
                                  has_cloud_mask=mask is not None, origin=str(path)))
    require_same_grid(grids)
    grid = grids[0][0]
    layout = "l1c-stack" if len(L1C_BANDS) in counts else "stack"
    return [Source(paths[0].parent.name, layout, grid.epsg, grid.transform, grid.height, grid.width, scenes,
                   tile=tile)]


def _stack_reader(path: Path, order: list[int], mask) -> Callable[[Window], SceneData]:
    def read(window: Window) -> SceneData:
        out = SceneData(to_uint16(read_window(path, window, indexes=[i + 1 for i in order])))
        if mask is not None:
            out.cloud_mask = (read_window(mask[0], window, indexes=mask[1]) > 0).astype(np.uint8)
        return out

    return read
