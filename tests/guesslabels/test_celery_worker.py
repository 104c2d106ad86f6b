"""The training run as background work: queued by the command, executed by a real Celery worker on Redis."""

import pytest

from guesslabels.models import GuessLabel, RunStatus, TrainingRun
from tests.guesslabels.conftest import EOLEARN_MAPPING, run_command
from tests.worker_wait import wait_for_worker

pytestmark = pytest.mark.worker


def test_a_queued_run_is_trained_by_the_worker_and_its_guess_appears(celery_worker, shared_data):
    patch = shared_data / "eolearn_testeopatch"
    run_command("ingest_chips", patch)
    out = run_command("train_guess_labels", "--tile", "33TVL", "--map", patch / "lulc.tif",
                      "--mapping", EOLEARN_MAPPING)
    run = TrainingRun.objects.get()
    assert f"run {run.pk} tile 33TVL: queued (Celery" in out
    def finished():
        run.refresh_from_db()
        return run.status not in (RunStatus.QUEUED, RunStatus.RUNNING)

    wait_for_worker(finished, "finish the training run", seconds=120)
    assert run.status == RunStatus.DONE, run.error
    assert run.started_at and run.finished_at and run.metrics["overall_accuracy"] > 0.7
    assert GuessLabel.objects.get(chip_id="33TVL_00").run == run
