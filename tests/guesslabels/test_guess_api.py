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


def test_a_task_whose_chip_has_no_guess_yet_is_a_404_saying_so(turkey_chip, admin_user, api):
    r = api(admin_user).get(url(turkey_chip.tasks.first()))
    assert r.status_code == 404 and "No guess label" in r.json()["detail"]
