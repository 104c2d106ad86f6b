"""Annotation fixtures: a real chip with its 64 tasks, assigned or not."""
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
