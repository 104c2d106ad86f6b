"""GET /api/tasks/{id}/guess/ — the task's 32×32 guess, only for people who may see the task."""
import numpy as np

from guesslabels.models import GuessLabel
from guesslabels.selectors import read_guess


def url(task):
    return f"/api/tasks/{task.pk}/guess/"


def test_an_assigned_annotator_gets_the_tasks_window_of_the_chip_guess(slovenia, alice, assign, api):
    assign(slovenia, alice)
    task = slovenia.tasks.get(row=2, col=1)
    r = api(alice).get(url(task))
    assert r.status_code == 200
    body = r.json()
    full = read_guess(GuessLabel.objects.get(chip=slovenia))
    assert np.array_equal(np.array(body["labels"], np.uint8), full[64:96, 32:64])
    assert body["task"] == task.pk and body["run"] == GuessLabel.objects.get().run_id


def test_the_labeling_page_starts_from_the_guess(slovenia, alice, assign, api):
    assign(slovenia, alice)
    task = slovenia.tasks.get(row=0, col=0)
    r = api(alice).get(f"/api/tasks/{task.pk}/annotation/")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert r.json()["labels"] == api(alice).get(url(task)).json()["labels"]


def test_an_annotator_of_another_chip_and_anonymous_callers_see_nothing(slovenia, alice, bob, assign, api):
    assign(slovenia, alice)
    task = slovenia.tasks.get(row=0, col=0)
    assert api(bob).get(url(task)).status_code == 404
    assert api(None).get(url(task)).status_code in (401, 403)


def test_a_chip_no_model_covers_gets_the_rule_based_guess_named_as_such(turkey_chip, admin_user, api):
    from guesslabels.lib.rules import rule_guess
    from guesslabels.selectors import chip_features_of

    task = turkey_chip.tasks.get(row=3, col=4)
    body = api(admin_user).get(url(task)).json()
    assert body["source"] == "rule" and body["run"] is None and body["updated_at"] is None
    assert body["source_label"].startswith("rule")
    whole = rule_guess(chip_features_of(turkey_chip)).reshape(256, 256)
    assert np.array_equal(np.array(body["labels"], np.uint8), whole[96:128, 128:160])  # the window, computed alone
    assert set(np.unique(whole)) >= {1, 3}  # the chip's sea and its bare coast


def test_a_stored_guess_names_its_source_and_run(slovenia, alice, assign, api):
    assign(slovenia, alice)
    body = api(alice).get(url(slovenia.tasks.get(row=0, col=0))).json()
    assert body["source"] == "tile" and body["run"] == GuessLabel.objects.get().run_id
    assert body["source_label"] == "the tile's own model, trained on its land-cover map"


def test_a_task_whose_chip_has_no_scene_yet_is_a_404_saying_so(make_chip, admin_user, api):
    r = api(admin_user).get(url(make_chip().tasks.first()))
    assert r.status_code == 404 and "its chip has no scene yet" in r.json()["detail"]
