"""consensus.selectors.chip_consensus assembles the chip's 256×256 label and score from its tasks."""
import numpy as np
from django.utils import timezone

from consensus.models import ConsensusLabel
from consensus.selectors import chip_consensus
from imagery.models import Task


def store(task, label_value, score_value):
    ConsensusLabel.objects.create(
        task=task, label=np.full((32, 32), label_value, np.uint8).tobytes(),
        score=np.full((32, 32), score_value, np.float32).tobytes(), method="bayes", inputs={},
        mean_score=score_value, disagreement=0.0, computed_at=timezone.now(),
    )


def test_chip_consensus_places_each_task_in_its_window_and_is_incomplete_until_all_tasks_have_one(chip):
    store(Task.objects.get(chip=chip, row=0, col=1), 6, 0.5)
    label, score, complete = chip_consensus(chip)
    assert label.shape == score.shape == (256, 256)
    assert label.dtype == np.uint8 and score.dtype == np.float32
    assert np.all(label[:32, 32:64] == 6) and np.all(score[:32, 32:64] == 0.5)
    assert label.sum() == 6 * 1024
    assert not complete


def test_chip_consensus_is_complete_when_every_task_with_data_has_consensus(chip):
    Task.objects.filter(chip=chip).exclude(row=0).update(has_data=False)
    for task in Task.objects.filter(chip=chip, row=0):
        store(task, 3, 1.0)
    label, _, complete = chip_consensus(chip)
    assert complete
    assert np.all(label[:32] == 3) and np.all(label[32:] == 0)
