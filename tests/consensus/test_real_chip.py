"""A real LandCoverNet chip (published labels in ../shared/data) labeled by three annotators task by task: the
consensus reassembled by chip_consensus is the published label where two annotators agree with it."""
import numpy as np
import rasterio

from consensus import services
from consensus.selectors import chip_consensus
from imagery.lib.domain import TASK_SIZE
from imagery.models import Task


def test_three_annotators_on_a_real_chip_give_back_the_published_label(chip, crew, submit, shared_data):
    with rasterio.open(shared_data / "landcovernet_af_labels" / "38KMA_00" / "labels.tif") as src:
        published = src.read(1).astype(np.uint8)
    rng = np.random.default_rng(0)
    wrong = (rng.random(published.shape) < 0.3) & (published > 0)
    sloppy = np.where(wrong, rng.integers(1, 8, published.shape), published)
    versions = dict(zip(crew, (published, published, sloppy.astype(np.uint8))))
    for task in Task.objects.filter(chip=chip):
        window = np.s_[task.row * TASK_SIZE : (task.row + 1) * TASK_SIZE, task.col * TASK_SIZE : (task.col + 1) * TASK_SIZE]
        for user, labels in versions.items():
            submit(task, user, labels[window])
    assert services.consensus_recompute(progress=False) == 64
    label, score, complete = chip_consensus(chip)
    assert complete
    np.testing.assert_array_equal(label, published)
    agree = sloppy == published
    np.testing.assert_array_equal(score[agree], 1.0)
    np.testing.assert_allclose(score[~agree], 2 / 3, rtol=1e-6)  # the published 61–73 % cluster
