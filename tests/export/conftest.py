"""Export fixtures: chips on real LandCoverNet grids whose consensus is the real published label and score."""
import csv
from datetime import datetime

import numpy as np
import pytest
import rasterio
from django.utils import timezone

from imagery.lib.domain import TASK_SIZE, TASKS_PER_SIDE

LABELS = "landcovernet_af_labels"


@pytest.fixture(scope="session")
def real_chip(shared_data):
    """real_chip("30PWT_00") -> dict(label uint8, score float32 0..1, epsg, transform, bounds, dates, path)."""
    cache = {}

    def load(chip_id):
        if chip_id not in cache:
            folder = shared_data / LABELS / chip_id
            with rasterio.open(folder / "labels.tif") as src:
                cls, pct = src.read()
                info = dict(epsg=src.crs.to_epsg(), transform=list(src.transform)[:6], bounds=list(src.bounds))
            with open(folder / "source_dates.csv") as fh:
                dates = [datetime.strptime(d, "%Y%m%d").date() for _, d in list(csv.reader(fh))[1:]]
            labeled = cls > 0  # the published score is not 0 where the class is: ours is, so compare on labels
            cache[chip_id] = dict(label=cls.astype(np.uint8), score=np.where(labeled, pct / 100, 0).astype(np.float32),
                                  dates=dates, path=folder / "labels.tif", **info)
        return cache[chip_id]

    return load


@pytest.fixture
def make_export_chip(db, real_chip):
    """make_export_chip("30PWT_00", missing=0, annotators=()) -> Chip whose tasks carry the real label as consensus.

    `missing` tasks (the last ones) have no consensus, so the chip is incomplete.
    """
    from consensus.models import ConsensusLabel
    from export.summaries import chip_summaries_refresh
    from imagery.models import Chip, Scene, Task, Tile

    def make(chip_id="30PWT_00", *, source=None, missing=0, annotators=()):
        real = real_chip(source or chip_id)
        tile, _ = Tile.objects.get_or_create(id=chip_id.split("_")[0], defaults={"epsg": real["epsg"]})
        chip = Chip.objects.create(id=chip_id, tile=tile, epsg=real["epsg"], transform=real["transform"],
                                   bounds=real["bounds"])
        tasks = Task.objects.bulk_create(
            Task(chip=chip, row=r, col=c) for r in range(TASKS_PER_SIDE) for c in range(TASKS_PER_SIDE)
        )
        Scene.objects.bulk_create(
            Scene(chip=chip, date=d, cloud_fraction=0.1, file=f"scenes/{tile.id}/{chip_id}/{d}.tif") for d in real["dates"]
        )
        inputs = {"annotations": [{"annotator": user.pk, "revision": 1} for user in annotators]}
        rows = []
        for task in tasks[: len(tasks) - missing]:
            window = np.s_[task.row * TASK_SIZE:(task.row + 1) * TASK_SIZE, task.col * TASK_SIZE:(task.col + 1) * TASK_SIZE]
            label, score = real["label"][window], real["score"][window]
            rows.append(ConsensusLabel(
                task=task, label=np.ascontiguousarray(label).tobytes(), score=np.ascontiguousarray(score).tobytes(),
                method="bayes", inputs=inputs, mean_score=float(score[label > 0].mean()) if (label > 0).any() else 0.0,
                disagreement=0.5, computed_at=timezone.now(),
            ))
        ConsensusLabel.objects.bulk_create(rows)
        chip_summaries_refresh(chip_ids=[chip.pk])  # rows written here, not by consensus.services: count them
        return chip

    return make


@pytest.fixture
def xena(make_user):
    """An exporter (programmatic client)."""
    return make_user("xena", "exporter")


@pytest.fixture
def api_as():
    """api_as(user) -> a DRF APIClient logged in as the user (None: anonymous)."""
    from rest_framework.test import APIClient

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(scope="session")
def real_scene_pixels(shared_data):
    """(12, 256, 256) uint16: a real L2A chip's 10 bands, its SCL and an absent cloud mask (the COG layout)."""
    from imagery.lib.domain import ABSENT

    folder = shared_data / "landcovernet_s2_chips"
    with rasterio.open(folder / "chipA_epsg32636_bands10.tif") as src:
        bands = src.read()
    with rasterio.open(folder / "chipA_epsg32636_SCL.tif") as src:
        scl = src.read(1)
    return np.concatenate([bands, scl[None], np.full_like(scl, ABSENT)[None]]).astype(np.uint16)


@pytest.fixture
def store_scene_files(real_scene_pixels):
    """store_scene_files(chip) writes a real 12-band COG for each of the chip's scenes (each date's pixels differ)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from imagery.lib.cog import write_scene_cog

    def store(chip):
        for i, scene in enumerate(chip.scenes.order_by("date")):
            data = write_scene_cog(np.roll(real_scene_pixels, i, axis=2), chip.epsg, chip.transform,
                                   scene.date.isoformat())
            scene.file.name = default_storage.save(scene.file.name, ContentFile(data))
            scene.save(update_fields=["file"])
        return chip

    return store
