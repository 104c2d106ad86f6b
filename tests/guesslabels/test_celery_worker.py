"""The training run as background work: queued by the command, executed by a real Celery worker on Redis."""
import time

import pytest

from guesslabels.models import GuessLabel, RunStatus, TrainingRun
from tests.guesslabels.conftest import EOLEARN_MAPPING, run_command

pytestmark = pytest.mark.worker


def test_a_queued_run_is_trained_by_the_worker_and_its_guess_appears(celery_worker, shared_data):
    patch = shared_data / "eolearn_testeopatch"
    run_command("ingest_chips", patch)
    out = run_command("train_guess_labels", "--tile", "33TVL", "--reference", patch / "lulc.tif",
                      "--mapping", EOLEARN_MAPPING)
    run = TrainingRun.objects.get()
    assert f"run {run.pk} tile 33TVL: queued (Celery" in out
    deadline = time.monotonic() + 120
    while run.status in (RunStatus.QUEUED, RunStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error or "the worker did not finish in 120 s"
    assert run.started_at and run.finished_at and run.metrics["overall_accuracy"] > 0.7
    assert GuessLabel.objects.get(chip_id="33TVL_00").run == run
