"""A real chip for the labeling-page tests and benchmark: Sentinel-2 dates of one place from ../shared/data.

The Bouconne forest series (THEIA L3A, 2018, 10 bands in LandCoverNet order, 246×227 px) is padded with no data to
256×256 and written as scene COGs. It has 7 real dates; `n_scenes` > 7 reuses them on more dates of the year
(the benchmark's 24-scene year), which is fine for timing: every scene is still its own file and image.
"""
from datetime import date, timedelta
from functools import cache

import numpy as np
import rasterio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from imagery.lib import cog
from imagery.lib.domain import ABSENT, CHIP_SIZE, SCENE_BAND_COUNT, SCL_BAND, TASKS_PER_SIDE
from imagery.models import Chip, Scene, Task, Tile
from lcnet_site.sample_data import shared_data_dir

FOLDER = "theia_l3a_bouconne_2018"
EPSG = 32631
TRANSFORM = [10.0, 0.0, 356040.0, 0.0, -10.0, 4835680.0]


@cache
def real_scenes() -> tuple[tuple[date, np.ndarray], ...]:
    """(date, (12, 256, 256) uint16 COG stack) per real date; SCL and cloud mask absent (L3A is cloud-free)."""
    out = []
    for path in sorted((shared_data_dir() / FOLDER).glob("bouconne_*.tif")):
        with rasterio.open(path) as src:
            bands = src.read()
        stack = np.zeros((SCENE_BAND_COUNT, CHIP_SIZE, CHIP_SIZE), np.uint16)
        stack[:SCL_BAND, : bands.shape[1], : bands.shape[2]] = np.clip(bands, 1, None)  # 0 means no data
        stack[SCL_BAND:] = ABSENT
        day = path.stem.split("_")[1]
        out.append((date(int(day[:4]), int(day[4:6]), int(day[6:])), stack))
    return tuple(out)


@cache
def _cog(index: int, day: date) -> bytes:
    return cog.write_scene_cog(real_scenes()[index][1], EPSG, TRANSFORM, day.isoformat())


def scene_plan(n_scenes: int) -> list[tuple[date, int]]:
    """(date, index of the real scene) for n scenes spread over 2018."""
    real = real_scenes()
    if n_scenes <= len(real):
        return [(d, i) for i, (d, _) in enumerate(real[:n_scenes])]
    step = 365 // n_scenes
    return [(date(2018, 1, 5) + timedelta(days=k * step), k % len(real)) for k in range(n_scenes)]


def make_page_chip(chip_id: str = "31TCJ_00", n_scenes: int = 7) -> Chip:
    tile, _ = Tile.objects.get_or_create(id=chip_id.split("_")[0], defaults={"epsg": EPSG, "continent": "Europe"})
    bands = np.stack([s for _, s in real_scenes()])[:, :SCL_BAND].reshape(-1, SCL_BAND, CHIP_SIZE * CHIP_SIZE)
    flat = np.moveaxis(bands, 1, 0).reshape(SCL_BAND, -1)
    low, high = [], []
    for band in flat:  # p2–p98 of data pixels, the stretch ingest stores
        data = band[band > 0]
        low.append(int(np.percentile(data, 2)))
        high.append(int(np.percentile(data, 98)))
    chip = Chip.objects.create(
        id=chip_id, tile=tile, epsg=EPSG, transform=TRANSFORM,
        bounds=[356040.0, 4833120.0, 358600.0, 4835680.0], stretch_low=low, stretch_high=high,
    )
    for k, (day, index) in enumerate(scene_plan(n_scenes)):
        name = default_storage.save(f"scenes/{tile.id}/{chip_id}/{day}.tif", ContentFile(_cog(index, day)))
        Scene.objects.create(chip=chip, date=day, cloud_fraction=round(0.02 * (k % 5), 2), file=name)
    Task.objects.bulk_create(
        Task(chip=chip, row=r, col=c) for r in range(TASKS_PER_SIDE) for c in range(TASKS_PER_SIDE)
    )
    return chip


GUESS_SOURCE = "landcovernet_af_labels/38KMA_00/labels.tif"  # real LandCoverNet classes (1–7, no 0) as the guess


@cache
def guess_raster() -> np.ndarray:
    with rasterio.open(shared_data_dir() / GUESS_SOURCE) as src:
        return src.read(1).astype(np.uint8)


def make_guess(chip: Chip, labels: np.ndarray | None = None) -> np.ndarray:
    """Store a 256×256 guess label for the chip (guess_raster() unless given), as the guess-label pipeline does;
    returns it."""
    from guesslabels.lib.raster import write_label_tif
    from guesslabels.models import GuessLabel

    labels = guess_raster() if labels is None else labels
    name = default_storage.save(f"guess/{chip.tile_id}/{chip.pk}.tif",
                                ContentFile(write_label_tif(labels, chip.epsg, chip.transform)))
    GuessLabel.objects.create(chip=chip, file=name)
    return labels
