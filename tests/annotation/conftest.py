"""Annotation fixtures: a real chip with its 64 tasks, assigned or not."""
import numpy as np
import pytest


@pytest.fixture
def chip(make_chip):
    return make_chip()


@pytest.fixture
def other_chip(make_chip):
    return make_chip("32NLP_01")


@pytest.fixture
def full_mask(db):
    """Mark every pixel of the chip's tasks as having imagery (what ingest + the first submit would cache)."""
    from annotation.lib.labels import pack_mask
    from annotation.models import TaskDataMask

    def do(chip):
        mask = pack_mask(np.ones((32, 32), bool))
        TaskDataMask.objects.bulk_create(TaskDataMask(task=t, mask=mask, n_scenes=1) for t in chip.tasks.all())

    return do
