"""Training runs: re-runs keep edited tasks' guesses, idempotence, one active run per tile, the admin action."""
import numpy as np
import pytest
from django.core.management.base import CommandError

from annotation.models import Annotation
from guesslabels import services
from guesslabels.models import GuessLabel, RunStatus, TrainingRun
from guesslabels.selectors import read_guess, task_guess

from tests.guesslabels.conftest import run_command


def test_a_new_run_replaces_unedited_tasks_guesses_and_keeps_edited_ones(slovenia, alice, assign, api):
    assign(slovenia, alice)
    edited = slovenia.tasks.get(row=1, col=1)
    before = read_guess(GuessLabel.objects.get(chip=slovenia))
    mine = np.full((32, 32), 7, np.uint8)
    r = api(alice).put(f"/api/tasks/{edited.pk}/annotation/", {"labels": mine.tolist(), "revision": 0}, format="json")
    assert r.status_code == 200, r.content

    run_command("train_guess_labels", "--tile", "33TVL", "--sync", "--seed", "5")  # another seed: other guesses
    guess = GuessLabel.objects.get(chip=slovenia)
    after = read_guess(guess)
    assert guess.run.seed == 5 and guess.kept_tasks == 1
    assert np.array_equal(task_guess(edited), before[32:64, 32:64])  # the edited task kept its guess
    changed = after[:101, :100] != before[:101, :100]
    changed[32:64, 32:64] = False
    assert changed.any()  # the others took the new run's guess
    ann = Annotation.objects.get(task=edited, annotator=alice)
    assert bytes(ann.labels) == mine.tobytes() and ann.revision == 1  # alice's work untouched


def test_executing_a_finished_run_again_changes_nothing(slovenia):
    run = TrainingRun.objects.get()
    stamp = GuessLabel.objects.get().updated_at
    again = services.training_run_execute(run_id=run.pk)
    assert again.status == RunStatus.DONE and GuessLabel.objects.get().updated_at == stamp


def test_a_tile_takes_one_active_run_at_a_time(slovenia):
    queued = TrainingRun.objects.create(tile_id="33TVL")
    with pytest.raises(CommandError, match=f"tile 33TVL already has run {queued.pk} queued"):
        run_command("train_guess_labels", "--tile", "33TVL")


def test_the_admin_action_queues_a_run_and_the_changelist_shows_its_status(slovenia, admin_user, client,
                                                                          django_capture_on_commit_callbacks):
    from guesslabels.models import LandCoverMap

    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/admin/guesslabels/landcovermap/", {
            "action": "train", "_selected_action": [LandCoverMap.objects.get().pk]}, follow=True)
    run = TrainingRun.objects.latest("created_at")
    assert r.status_code == 200 and [str(m) for m in r.context["messages"]] == [f"tile 33TVL: run {run.pk} queued"]
    assert run.status == RunStatus.DONE and run.seed == 0  # eager Celery in tests without the worker
    page = client.get("/admin/guesslabels/trainingrun/").content.decode()
    assert "done" in page and "77.1%" in page
    detail = client.get(f"/admin/guesslabels/trainingrun/{run.pk}/change/").content.decode()
    assert f"/admin/guesslabels/trainingrun/{run.pk}/figure.png" in detail
    png = client.get(f"/admin/guesslabels/trainingrun/{run.pk}/figure.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_extra_chips_of_another_tile_add_training_pixels_but_get_no_prediction(slovenia, turkey_chip,
                                                                              write_reference):
    with pytest.raises(CommandError, match="tile 36SWF has no land-cover map"):
        run_command("train_guess_labels", "--tile", "33TVL", "--sync", "--extra-chips", "36SWF_00")
    codes = np.full((256, 256), 60, np.uint8)
    codes[:, :128] = 90
    services.land_cover_map_register(paths=[write_reference(turkey_chip, codes)], tile_ids=["36SWF"])
    run_command("train_guess_labels", "--tile", "33TVL", "--sync", "--extra-chips", "36SWF_00")
    run = TrainingRun.objects.latest("created_at")
    assert run.status == "done" and run.extra_chips == ["36SWF_00"] and run.metrics["n_extra_chips"] == 1
    first = TrainingRun.objects.earliest("created_at").metrics["class_counts_after_filter"]
    assert set(run.metrics["class_counts_after_filter"]) == set(first) | {"1", "3"}  # water and bare from Turkey
    assert run.metrics["confusion_labels"] == [1, 2, 3, 5, 6, 7]
    assert not GuessLabel.objects.filter(chip=turkey_chip).exists()
    assert GuessLabel.objects.get(chip=slovenia).run == run
