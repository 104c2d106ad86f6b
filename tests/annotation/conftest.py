"""Annotation fixtures: a real chip with its 64 tasks, assigned or not."""
import numpy as np
import pytest

from imagery.domain import TASKS_PER_SIDE


@pytest.fixture
def make_chip(db):
    from imagery.models import Chip, Task, Tile

    def make(chip_id="32NLP_00", tile_id=None):
        tile_id = tile_id or chip_id.split("_")[0]
        tile, _ = Tile.objects.get_or_create(id=tile_id, defaults={"epsg": 32632})
        chip = Chip.objects.create(
            id=chip_id, tile=tile, epsg=32632, transform=[10, 0, 500000, 0, -10, 100000], bounds=[500000, 97440, 502560, 100000]
        )
        Task.objects.bulk_create(
            Task(chip=chip, row=r, col=c) for r in range(TASKS_PER_SIDE) for c in range(TASKS_PER_SIDE)
        )
        return chip

    return make


@pytest.fixture
def chip(make_chip):
    return make_chip()


@pytest.fixture
def other_chip(make_chip):
    return make_chip("32NLP_01")


@pytest.fixture
def api():
    """api(user) -> a DRF client authenticated by a real token (api(None): anonymous)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return make


@pytest.fixture
def assign(db):
    from annotation.services import assignments_create

    def do(chip, *users):
        return assignments_create(chip_ids=[chip.pk], user_ids=[u.pk for u in users])

    return do


@pytest.fixture
def full_mask(db):
    """Mark every pixel of the chip's tasks as having imagery (what ingest + the first submit would cache)."""
    from annotation.core_labels import pack_mask
    from annotation.models import TaskDataMask

    def do(chip):
        mask = pack_mask(np.ones((32, 32), bool))
        TaskDataMask.objects.bulk_create(TaskDataMask(task=t, mask=mask, n_scenes=1) for t in chip.tasks.all())

    return do
