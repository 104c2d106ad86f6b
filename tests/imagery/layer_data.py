"""A real chip for the task-imagery tests: three 12-band scene COGs built from ../shared/data.

- 2018-03-01: chipA (south coast of Turkey) bands + SCL, no cloud mask.
- 2018-07-20: 52UEA_08 bands + SCL, fully cloudy (SCL 8/9/10 everywhere).
- 2018-09-01: chipA bands with the top-left 64×64 pixels zeroed (no data, like a padded source), no SCL, and a
  binary cloud mask from the real cloud probability (CLD ≥ 50).
"""

from datetime import date
from functools import cache

import numpy as np
import pytest
import rasterio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from imagery.lib import cog
from imagery.lib.domain import ABSENT, CLOUD_MASK_BAND, SCL_BAND, TASKS_PER_SIDE
from imagery.models import Chip, Scene, Task, Tile
from lcnet_site.sample_data import shared_data_dir

CHIP_ID = "36SVD_07"
DATES = (date(2018, 3, 1), date(2018, 7, 20), date(2018, 9, 1))
NO_DATA_CORNER = 64


def _read(name: str) -> np.ndarray:
    with rasterio.open(shared_data_dir() / "landcovernet_s2_chips" / name) as src:
        return src.read()


@cache
def source_bands(chip: str = "chipA_epsg32636") -> np.ndarray:
    """(10, 256, 256) uint16 straight from the shared file: what tests compute expected values from."""
    return _read(f"{chip}_bands10.tif")


@cache
def scene_stacks() -> tuple[np.ndarray, ...]:
    def stack(bands, scl=None, mask=None):
        out = np.full((12, 256, 256), ABSENT, dtype=np.uint16)
        out[:SCL_BAND] = bands
        if scl is not None:
            out[SCL_BAND] = scl
        if mask is not None:
            out[CLOUD_MASK_BAND] = mask
        return out

    a_scl = _read("chipA_epsg32636_SCL.tif")[0]
    padded = source_bands().copy()
    padded[:, :NO_DATA_CORNER, :NO_DATA_CORNER] = 0
    mask = (_read("chipA_epsg32636_CLD.tif")[0] >= 50).astype(np.uint16)
    mask[:NO_DATA_CORNER, :NO_DATA_CORNER] = 0
    return (
        stack(source_bands(), scl=a_scl),
        stack(source_bands("52UEA_08_20180720"), scl=_read("52UEA_08_20180720_SCL.tif")[0]),
        stack(padded, mask=mask),
    )


@cache
def _cogs() -> tuple[bytes, ...]:
    transform = (10.0, 0.0, 545720.0, 0.0, -10.0, 4000680.0)
    return tuple(cog.write_scene_cog(s, 32636, transform, d.isoformat()) for s, d in zip(scene_stacks(), DATES))


def chip_stretch() -> tuple[list[int], list[int]]:
    """p2–p98 per band of chipA, the kind of stretch ingestion stores."""
    flat = source_bands().reshape(10, -1)
    return np.percentile(flat, 2, axis=1).astype(int).tolist(), np.percentile(flat, 98, axis=1).astype(int).tolist()


def make_layer_chip() -> Chip:
    tile = Tile.objects.create(id="36SVD", epsg=32636, continent="Asia")
    low, high = chip_stretch()
    chip = Chip.objects.create(
        id=CHIP_ID, tile=tile, epsg=32636, transform=[10.0, 0.0, 545720.0, 0.0, -10.0, 4000680.0],
        bounds=[545720.0, 3998120.0, 548280.0, 4000680.0], stretch_low=low, stretch_high=high,
    )
    for data, day, stack in zip(_cogs(), DATES, scene_stacks()):
        name = default_storage.save(f"scenes/36SVD/{CHIP_ID}/{day}.tif", ContentFile(data))
        has_scl = bool((stack[SCL_BAND] != ABSENT).any())
        Scene.objects.create(chip=chip, date=day, cloud_fraction=0.1 * day.month, file=name, has_scl=has_scl,
                             has_cloud_mask=not has_scl)
    Task.objects.bulk_create(
        Task(chip=chip, row=r, col=c) for r in range(TASKS_PER_SIDE) for c in range(TASKS_PER_SIDE)
    )
    return chip


@pytest.fixture
def layer_chip(db):
    from imagery.layer_cache import clear_caches

    clear_caches()
    yield make_layer_chip()
    clear_caches()


def task_of(chip: Chip, row: int, col: int) -> Task:
    return Task.objects.get(chip=chip, row=row, col=col)
