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


def test_the_per_row_assembly_of_frozen_runs_and_sqlite_gives_what_postgres_aggregates(chip, make_chip):
    """Two readers of the same rows: Postgres' one row a chip (the live export path) and one row a task (frozen runs,
    SQLite). Tasks stored out of order, a chip without any consensus, distinct values per task."""
    from consensus.selectors import _cells_by_row, _live_cells, chips_consensus_cells

    other = make_chip("31UFS_77")
    rng = np.random.default_rng(3)
    for task in Task.objects.filter(chip=chip).order_by("-row", "col")[:20]:
        store(task, int(rng.integers(1, 8)), float(rng.random()))
    ids = [chip.pk, other.pk]
    live, by_row = _live_cells(ids), _cells_by_row(ids, None)
    assert set(live) == set(by_row) == {chip.pk}
    for got, want in zip(live[chip.pk], by_row[chip.pk]):
        assert got == want
    cells = chips_consensus_cells(ids)
    assert len(cells[chip.pk].cells) == 20 and cells[other.pk].cells == [] and cells[other.pk].computed_at is None
    for task in Task.objects.filter(chip=chip, consensus__isnull=False):
        window = np.s_[task.row * 32:(task.row + 1) * 32, task.col * 32:(task.col + 1) * 32]
        assert np.all(cells[chip.pk].label[window] == np.frombuffer(task.consensus.label, np.uint8)[0])
