"""Learning from the campaign on the real Slovenian patch (33TVL_00): its land-use map is the truth, three simulated
annotators label a growing share of tasks through the API, consensus merges them, the tile's model is retrained on
the consensus after each step. The guesses of the tasks nobody has started agree better with the truth; tasks
already labeled keep the guess they started from."""
from io import StringIO

import numpy as np
import pytest
import rasterio
from django.core.management import call_command

from consensus import guess_feedback, services as consensus_services
from guesslabels import services as guess_services
from guesslabels.lib.features import MAPPINGS_DIR, ClassMapping
from guesslabels.models import GuessLabel, GuessSource, KeptGuess
from guesslabels.selectors import read_guess, task_guess_info

FLIP = 0.08  # share of pixels each simulated annotator gets wrong (independently, to a random other class)
STEPS = (4, 8, 12)  # data tasks with consensus after each step (of the patch's 16)
CLASSES = np.array([2, 5, 6, 7], np.uint8)  # the patch's classes after mapping


@pytest.fixture
def patch(db, shared_data):
    from imagery.models import Chip

    call_command("ingest_chips", str(shared_data / "eolearn_testeopatch"), stdout=StringIO(), stderr=StringIO())
    chip = Chip.objects.get(id="33TVL_00")
    with rasterio.open(shared_data / "eolearn_testeopatch" / "lulc.tif") as src:
        codes = src.read(1)
    truth = np.zeros((256, 256), np.uint8)
    truth[:101, :100] = ClassMapping.from_csv(MAPPINGS_DIR / "eolearn_lulc.csv").apply(codes)
    truth[:101, :100][truth[:101, :100] == 0] = 7  # the map's unlabeled strips: grassland, as an annotator would
    return chip, truth


def _window(task):
    r, c, h, w = task.window
    return np.s_[r:r + h, c:c + w]


def _simulated(truth_window, rng):
    out = truth_window.copy()
    data = out != 0
    flip = data & (rng.random(out.shape) < FLIP)
    out[flip] = rng.choice(CLASSES, flip.sum())
    return out


def _agreement(chip, truth, tasks) -> float:
    guess = read_guess(GuessLabel.objects.get(chip=chip))
    same = total = 0
    for task in tasks:
        win, t = _window(task), truth[_window(task)]
        same += int(((guess[win] == t) & (t != 0)).sum())
        total += int((t != 0).sum())
    return same / total


def test_retraining_on_consensus_raises_the_agreement_of_the_remaining_guesses(patch, make_user, assign, api):
    chip, truth = patch
    people = [make_user(name, "annotator") for name in ("ann1", "ann2", "ann3")]
    assign(chip, *people)
    assert guess_services.guess_rules_fill() == 1  # no map: the chip starts from the rule-based guess
    tasks = list(chip.tasks.filter(has_data=True).order_by("row", "col"))
    order = list(np.random.default_rng(3).permutation(len(tasks)))
    last = [tasks[i] for i in order[STEPS[-1]:]]  # the tasks still unstarted at the end: measured at every step
    curve = [("rule", _agreement(chip, truth, last))]
    started_from = {}
    rng = np.random.default_rng(0)
    done = 0
    for step in STEPS:
        for i in order[done:step]:
            task = tasks[i]
            for person in people:
                labels = _simulated(truth[_window(task)], rng)
                r = api(person).post(f"/api/tasks/{task.pk}/annotation/submit/",
                                     {"labels": labels.tolist(), "revision": 0}, format="json")
                assert r.status_code == 200, r.content
            started_from[task.pk] = task_guess_info(task)["labels"].copy()
            consensus_services.task_consensus_recompute(task_id=task.pk)
        done = step
        run = guess_feedback.tile_retrain("33TVL")
        assert run is not None and run.status == "done", run and run.error
        assert run.source == GuessSource.CONSENSUS and run.training_sources["consensus_chips"] == ["33TVL_00"]
        assert run.training_sources["consensus_pixels"] > 0 and run.training_sources["land_cover_map"] is None
        curve.append((f"{step} tasks", _agreement(chip, truth, last)))
        for task_id, labels in started_from.items():  # edited tasks keep the guess they started from
            task = chip.tasks.get(pk=task_id)
            assert np.array_equal(task_guess_info(task)["labels"], labels)
            assert task_guess_info(task)["source"] == KeptGuess.objects.get(task=task).source
        assert task_guess_info(last[0])["source"] == GuessSource.CONSENSUS and task_guess_info(last[0])["run"] == run.pk
    print("agreement of the last 4 tasks' guesses with the truth: "
          + ", ".join(f"{name} {value:.1%}" for name, value in curve))
    values = [v for _, v in curve]
    assert values[-1] > values[0] + 0.05, f"retraining did not beat the rule: {curve}"
    drops = [round(b - a, 3) for a, b in zip(values, values[1:]) if b < a - 0.03]
    assert not drops, f"agreement fell by {drops} between steps: {curve}"
    assert KeptGuess.objects.filter(task__chip=chip, source=GuessSource.RULE).count() == 4  # step 1 from the rule


def test_a_tile_is_retrained_when_enough_chips_became_final(patch, settings, make_user, assign, api):
    chip, truth = patch
    settings.LCNET_CAMPAIGN = {"guess_retrain_chips": 1}
    people = [make_user(name, "annotator") for name in ("ann1", "ann2", "ann3")]
    assign(chip, *people)
    tasks = list(chip.tasks.filter(has_data=True))
    rng = np.random.default_rng(1)
    for n, task in enumerate(tasks):
        assert not guess_feedback.tile_retrain_due("33TVL")  # the chip is not final before its last task
        for person in people:
            labels = _simulated(truth[_window(task)], rng)
            api(person).post(f"/api/tasks/{task.pk}/annotation/submit/", {"labels": labels.tolist(), "revision": 0},
                             format="json")
        consensus_services.task_consensus_recompute(task_id=task.pk)
    assert guess_feedback.tile_retrain_due("33TVL")
    run = guess_feedback.tile_retrain_if_due("33TVL")
    assert run.status == "done" and run.training_sources["final_chips"] == ["33TVL_00"]
    assert not guess_feedback.tile_retrain_due("33TVL")  # nothing new became final since
