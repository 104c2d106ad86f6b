"""From a read `Source` to ready chips: cut/pad to 256×256, 12-band scene stacks, stretch, tasks, fingerprint.

Pure numpy (no Django): the services write what this module prepares.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np

from imagery.lib import geo
from imagery.lib.domain import (
    ABSENT,
    BANDS,
    CHIP_SIZE,
    CLOUD_MASK_BAND,
    SCENE_BAND_COUNT,
    SCL_BAND,
    TASK_SIZE,
    TASKS_PER_SIDE,
)
from imagery.lib.observations import cloudy, has_data, usable
from imagery.lib.sources import Source, SourceError

STRETCH_PERCENTILES = (2, 98)


@dataclass
class PreparedChip:
    index: int  # row-major position in the source's 256 px cut grid
    source_name: str
    epsg: int
    transform: tuple[float, ...]
    bounds: tuple[float, float, float, float]
    dates: list[date]
    stack: np.ndarray  # (n_scenes, 12, 256, 256) uint16, COG band layout
    has_scl: list[bool]
    has_cloud_mask: list[bool]
    cloud_fraction: list[float]
    stretch_low: list[int]
    stretch_high: list[int]
    task_has_data: np.ndarray  # (8, 8) bool
    fingerprint: str
    chip_id: str | None = None
    tile: str | None = None

    @property
    def nbytes(self) -> int:
        return int(self.stack[:, : len(BANDS)].nbytes)


def cut_grid(height: int, width: int) -> tuple[int, int]:
    """Rows and columns of 256 px chips covering a raster (partial chips at the edges are padded)."""
    return -(-height // CHIP_SIZE), -(-width // CHIP_SIZE)


def select_indexes(source: Source, chips: list[int] | None, max_chips: int | None) -> list[int]:
    n_rows, n_cols = cut_grid(source.height, source.width)
    total = n_rows * n_cols
    wanted = list(range(total)) if chips is None else list(dict.fromkeys(chips))
    bad = [i for i in wanted if not 0 <= i < total]
    if bad:
        raise SourceError(f"{source.name}: chip index {bad[0]} out of range; it cuts into {total} chip(s) "
                          f"({n_rows} rows × {n_cols} cols, indexes 0–{total - 1})")
    return wanted[:max_chips] if max_chips is not None else wanted


def scene_stack(source: Source, row0: int, col0: int) -> tuple[np.ndarray, list[bool], list[bool]]:
    """(n, 12, 256, 256) uint16 for the chip whose top-left source pixel is (row0, col0), padded with no data."""
    n = len(source.scenes)
    h = min(CHIP_SIZE, source.height - row0)
    w = min(CHIP_SIZE, source.width - col0)
    stack = np.zeros((n, SCENE_BAND_COUNT, CHIP_SIZE, CHIP_SIZE), dtype=np.uint16)
    stack[:, CLOUD_MASK_BAND] = ABSENT
    for i, scene in enumerate(source.scenes):
        data = scene.read((row0, col0, h, w))
        stack[i, : len(BANDS), :h, :w] = harmonise(data.bands, source.dn_offset)
        if data.scl is None:
            stack[i, SCL_BAND] = ABSENT
        else:
            stack[i, SCL_BAND, :h, :w] = data.scl  # padding stays SCL no data (0)
        if data.cloud_mask is not None:
            stack[i, CLOUD_MASK_BAND, :h, :w] = data.cloud_mask
    return stack, [s.has_scl for s in source.scenes], [s.has_cloud_mask for s in source.scenes]


def harmonise(bands: np.ndarray, dn_offset: int) -> np.ndarray:
    """Add a DN offset to reflectance; no data (0) stays 0 and a valid pixel never drops to no data."""
    if dn_offset == 0:
        return bands
    shifted = np.clip(bands.astype(np.int32) + dn_offset, 1, np.iinfo(np.uint16).max).astype(np.uint16)
    return np.where(bands > 0, shifted, 0).astype(np.uint16)


def data_mask(stack: np.ndarray) -> np.ndarray:
    """(n, H, W) True where a scene holds data (imagery.lib.observations.has_data)."""
    return has_data(stack[:, : len(BANDS)], stack[:, SCL_BAND], band_axis=1)


def cloudy_mask(stack: np.ndarray) -> np.ndarray:
    """(n, H, W) True where SCL or, without SCL, the cloud mask calls the pixel cloudy (observations.cloudy)."""
    return cloudy(stack[:, SCL_BAND], stack[:, CLOUD_MASK_BAND])


def valid_mask(stack: np.ndarray) -> np.ndarray:
    """(n, H, W) True for usable observations (observations.usable): the stretch's pixels, the model's."""
    return usable(stack[:, : len(BANDS)], stack[:, SCL_BAND], stack[:, CLOUD_MASK_BAND], band_axis=1)


def cloud_fractions(stack: np.ndarray) -> list[float]:
    """Share of each scene's data pixels that are cloudy (1.0 for a scene with no data)."""
    data = data_mask(stack)
    n_cloudy = (cloudy_mask(stack) & data).sum(axis=(1, 2))
    n_data = data.sum(axis=(1, 2))
    return [float(c / d) if d else 1.0 for c, d in zip(n_cloudy, n_data)]


def chip_stretch(stack: np.ndarray) -> tuple[list[int], list[int]]:
    """Per band p2–p98 over cloud-free valid pixels of all scenes; all data pixels if none is cloud-free."""
    mask = valid_mask(stack)
    if not mask.any():  # e.g. a fully cloudy single date: stretch what there is
        mask = data_mask(stack)
    if not mask.any():
        return [0] * len(BANDS), [1] * len(BANDS)
    values = np.moveaxis(stack[:, : len(BANDS)], 1, 0)[:, mask]  # (10, n_valid)
    low, high = np.percentile(values, STRETCH_PERCENTILES, axis=1)
    low, high = np.floor(low).astype(int), np.ceil(high).astype(int)
    return low.tolist(), np.maximum(high, low + 1).tolist()


def task_has_data(stack: np.ndarray) -> np.ndarray:
    """(8, 8) True where a 32×32 task has at least one data pixel in some scene."""
    data = data_mask(stack).any(axis=0)
    return data.reshape(TASKS_PER_SIDE, TASK_SIZE, TASKS_PER_SIDE, TASK_SIZE).any(axis=(1, 3))


def fingerprint(epsg: int, transform, dates: list[date], stack: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(f"{epsg}|{[round(v, 6) for v in transform]}|{[d.isoformat() for d in dates]}".encode())
    digest.update(np.ascontiguousarray(stack).tobytes())
    return digest.hexdigest()


@dataclass
class ChipPlan:
    """Where a chip lies: its position in the source and its grid, checked against its tile before any pixel is read."""

    index: int
    row0: int
    col0: int
    transform: tuple[float, ...]
    bounds: tuple[float, float, float, float]
    tile: str


def plan_chips(source: Source, *, chips: list[int] | None = None, max_chips: int | None = None,
               tile: str | None = None) -> list[ChipPlan]:
    """The selected chips of a source with their grids; SourceError for a bad index or a chip outside its tile."""
    n_cols = cut_grid(source.height, source.width)[1]
    a, b, c, d, e, f = source.transform
    tile = tile or source.tile
    plans = []
    for index in select_indexes(source, chips, max_chips):
        row0, col0 = (index // n_cols) * CHIP_SIZE, (index % n_cols) * CHIP_SIZE
        transform = (a, b, c + a * col0, d, e, f + e * row0)
        # The tile is checked on the real data extent: padding may run past the tile edge.
        data_bounds = geo.bounds_of(transform, min(CHIP_SIZE, source.height - row0), min(CHIP_SIZE, source.width - col0))
        try:
            chip_tile = geo.parse_tile_id(tile) if tile else geo.tile_of_bounds(source.epsg, data_bounds)
            geo.check_in_tile(chip_tile, source.epsg, data_bounds)
        except geo.GeoError as exc:
            raise SourceError(f"{source.name} chip {index}: {exc}") from exc
        plans.append(ChipPlan(index, row0, col0, transform, geo.bounds_of(transform, CHIP_SIZE, CHIP_SIZE), chip_tile))
    return plans


def prepare_chip(source: Source, plan: ChipPlan) -> PreparedChip | None:
    """Read and prepare one planned chip; None when it holds no data at all."""
    stack, has_scl, has_mask = scene_stack(source, plan.row0, plan.col0)
    tasks = task_has_data(stack)
    if not tasks.any():
        return None
    low, high = chip_stretch(stack)
    dates = [s.date for s in source.scenes]
    return PreparedChip(
        index=plan.index, source_name=source.name, epsg=source.epsg, transform=plan.transform, bounds=plan.bounds,
        dates=dates, stack=stack, has_scl=has_scl, has_cloud_mask=has_mask, cloud_fraction=cloud_fractions(stack),
        stretch_low=low, stretch_high=high, task_has_data=tasks,
        fingerprint=fingerprint(source.epsg, plan.transform, dates, stack), chip_id=source.chip_id, tile=plan.tile,
    )


def prepare_chips(source: Source, **selection) -> list[PreparedChip]:
    """All selected chips of a source, ready to write (chips with no data left out). Holds them all in memory."""
    return [chip for plan in plan_chips(source, **selection) if (chip := prepare_chip(source, plan)) is not None]
