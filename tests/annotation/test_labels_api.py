"""GET/PUT /api/tasks/{id}/annotation/ and POST …/submit/: the caller's own labels, revisions and history."""
import numpy as np
import pytest

from annotation.lib.labels import labels_from_bytes
from annotation.models import Annotation, AnnotationRevision
from annotation.services import chip_freeze


def grid(value=1):
    return [[value] * 32 for _ in range(32)]


@pytest.fixture
def task(chip, alice, assign, full_mask):
    assign(chip, alice)
    full_mask(chip)
    return chip.tasks.get(row=2, col=3)


def url(task, submit=False):
    return f"/api/tasks/{task.pk}/annotation/{'submit/' if submit else ''}"


def test_an_unsaved_task_shows_the_guess_at_revision_0(api, alice, task, monkeypatch):
    guess = np.full((32, 32), 6, np.uint8)
    monkeypatch.setattr("annotation.selectors.task_guess_info", lambda t: {"labels": guess, "source": "rule", "run": None})
    body = api(alice).get(url(task)).json()
    assert body["revision"] == 0 and body["status"] == "pending"
    assert np.array_equal(np.array(body["labels"]), guess)


def test_without_a_guess_label_the_start_is_all_zeros(api, alice, task):
    body = api(alice).get(url(task)).json()
    assert np.array(body["labels"]).shape == (32, 32) and not np.array(body["labels"]).any()
    assert body["has_guess"] is False


def test_has_guess_tells_whether_the_chip_has_a_guess_label_before_and_after_a_save(api, alice, task, chip):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from guesslabels.lib.raster import write_label_tif
    from guesslabels.models import GuessLabel

    client = api(alice)
    assert client.put(url(task), {"labels": grid(2), "revision": 0}, format="json").status_code == 200
    assert client.get(url(task)).json()["has_guess"] is False  # a draft on a chip without a guess
    assert client.get(f"/api/tasks/{task.pk}/guess/").status_code == 404  # the guess API's contract is unchanged
    tif = write_label_tif(np.full((256, 256), 5, np.uint8), chip.epsg, chip.transform)
    GuessLabel.objects.create(chip=chip, file=default_storage.save(f"guess/{chip.pk}.tif", ContentFile(tif)))
    assert client.get(url(task)).json()["has_guess"] is True
    pending = client.get(url(chip.tasks.get(row=0, col=0))).json()
    assert pending["has_guess"] is True and np.array(pending["labels"]).min() == 5
    assert client.get(f"/api/tasks/{task.pk}/guess/").status_code == 200


def test_a_guess_row_whose_file_is_gone_falls_back_to_the_rule_and_never_answers_500(api, alice, task, chip):
    from guesslabels.models import GuessLabel, KeptGuess

    GuessLabel.objects.create(chip=chip, file="guess/lost/never-written.tif")  # the row outlived its file
    client = api(alice)
    opened = client.get(url(task))
    assert opened.status_code == 200 and opened.json()["revision"] == 0
    assert client.get(f"/api/tasks/{task.pk}/guess/").status_code in (200, 404)  # the rule's, or none: no 500
    saved = client.put(url(task), {"labels": grid(2), "revision": 0}, format="json")
    assert saved.status_code == 200, saved.content
    assert KeptGuess.objects.get(task=task).source == ""  # this chip has no scene: it started from no guess at all


def test_a_draft_then_a_submit_each_add_a_revision_and_keep_history(api, alice, task):
    client = api(alice)
    draft = grid(0)
    draft[0][0] = 5
    r1 = client.put(url(task), {"labels": draft, "revision": 0}, format="json")
    assert r1.status_code == 200, r1.content
    assert r1.json() == {"task": task.pk, "revision": 1, "status": "draft", "differ_from_guess": 1}
    r2 = client.post(url(task, True), {"labels": grid(7), "revision": 1}, format="json")
    assert r2.status_code == 200 and r2.json()["revision"] == 2 and r2.json()["status"] == "submitted"
    assert r2.json()["differ_from_guess"] == 1024
    ann = Annotation.objects.get(task=task, annotator=alice)
    assert (ann.revision, ann.status) == (2, "submitted")
    assert (labels_from_bytes(ann.labels) == 7).all()
    history = list(AnnotationRevision.objects.filter(annotation=ann).values_list("revision", "status"))
    assert history == [(1, "draft"), (2, "submitted")]
    assert labels_from_bytes(AnnotationRevision.objects.get(annotation=ann, revision=1).labels)[0, 0] == 5
    got = client.get(url(task)).json()
    assert got["revision"] == 2 and got["status"] == "submitted" and got["labels"][0][0] == 7


def test_submitting_the_unchanged_guess_is_a_real_submission(api, alice, task, monkeypatch):
    guess = np.full((32, 32), 3, np.uint8)
    info = {"labels": guess, "source": "rule", "run": None}
    monkeypatch.setattr("annotation.selectors.task_guess_info", lambda t: info if t.pk == task.pk else None)
    assert api(alice).get(url(task)).json()["labels"][0][0] == 3
    r = api(alice).post(url(task, True), {"labels": guess.tolist(), "revision": 0}, format="json")
    assert r.status_code == 200 and r.json()["differ_from_guess"] == 0
    ann = Annotation.objects.get(task=task, annotator=alice)
    assert ann.status == "submitted" and ann.revisions.count() == 1 and bytes(ann.guess) == guess.tobytes()


def test_resubmitting_is_allowed_and_adds_a_revision(api, alice, task):
    client = api(alice)
    client.post(url(task, True), {"labels": grid(1), "revision": 0}, format="json")
    r = client.post(url(task, True), {"labels": grid(2), "revision": 1}, format="json")
    assert r.status_code == 200 and r.json()["revision"] == 2
    assert AnnotationRevision.objects.filter(annotation__task=task).count() == 2


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"labels": grid()[:31], "revision": 0}, "labels", "32 rows"),
        ({"labels": [row[:31] for row in grid()], "revision": 0}, "labels", "row 0"),
        ({"labels": [[8] + [1] * 31] + grid()[1:], "revision": 0}, "labels", "0-7"),
        ({"labels": [[-1] + [1] * 31] + grid()[1:], "revision": 0}, "labels", "0-7"),
        ({"labels": [[1.5] + [1] * 31] + grid()[1:], "revision": 0}, "labels", "float"),
        ({"labels": [["2"] + [1] * 31] + grid()[1:], "revision": 0}, "labels", "str"),
        ({"labels": [[True] + [1] * 31] + grid()[1:], "revision": 0}, "labels", "bool"),
        ({"labels": grid()}, "revision", "required"),
        ({"labels": grid(), "revision": -1}, "revision", "greater than or equal"),
        ({"revision": 0}, "labels", "required"),
    ],
)
@pytest.mark.parametrize("submit", [False, True])
def test_bad_input_is_a_400_naming_the_problem_and_stores_nothing(api, alice, task, body, field, words, submit):
    client = api(alice)
    r = client.post(url(task, True), body, format="json") if submit else client.put(url(task), body, format="json")
    assert r.status_code == 400
    assert words in " ".join(r.json()[field])
    assert not Annotation.objects.exists() and not AnnotationRevision.objects.exists()


def test_a_submit_with_no_data_on_imagery_pixels_is_refused_but_a_draft_may_hold_it(api, alice, task):
    client = api(alice)
    labels = grid(4)
    labels[9][9] = 0
    r = client.post(url(task, True), {"labels": labels, "revision": 0}, format="json")
    assert r.status_code == 400 and "(9, 9)" in r.json()["labels"][0]
    assert not Annotation.objects.exists()
    assert client.put(url(task), {"labels": labels, "revision": 0}, format="json").status_code == 200


def test_no_data_is_accepted_where_the_task_has_no_imagery(api, alice, chip, assign):
    from annotation.lib.labels import pack_mask
    from annotation.models import TaskDataMask

    assign(chip, alice)
    task = chip.tasks.first()
    mask = np.ones((32, 32), bool)
    mask[:, :4] = False  # a padded edge
    TaskDataMask.objects.create(task=task, mask=pack_mask(mask), n_scenes=2)
    labels = grid(5)
    for row in labels:
        row[:4] = [0] * 4
    assert api(alice).post(url(task, True), {"labels": labels, "revision": 0}, format="json").status_code == 200


def test_a_stale_revision_is_a_409_with_the_current_revision(api, alice, task):
    client = api(alice)
    client.put(url(task), {"labels": grid(1), "revision": 0}, format="json")
    client.put(url(task), {"labels": grid(2), "revision": 1}, format="json")
    r = client.post(url(task, True), {"labels": grid(3), "revision": 1}, format="json")
    assert r.status_code == 409 and r.json()["revision"] == 2 and r.json()["code"] == "stale_revision"
    r0 = client.put(url(task), {"labels": grid(3), "revision": 0}, format="json")
    assert r0.status_code == 409
    assert AnnotationRevision.objects.count() == 2


def test_once_the_chip_is_frozen_saves_and_resubmits_are_refused(api, alice, task, chip):
    client = api(alice)
    client.post(url(task, True), {"labels": grid(1), "revision": 0}, format="json")
    chip_freeze(chip_id=chip.pk)
    r = client.post(url(task, True), {"labels": grid(2), "revision": 1}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "frozen"
    assert client.put(url(task), {"labels": grid(2), "revision": 1}, format="json").status_code == 409
    assert client.get(url(task)).json()["frozen"] is True
    assert AnnotationRevision.objects.count() == 1


def test_a_first_save_keeps_the_tasks_guess_so_a_guess_run_leaves_it_alone(api, alice, task, chip):
    from guesslabels.models import KeptGuess

    assert not KeptGuess.objects.exists()
    api(alice).put(url(task), {"labels": grid(1), "revision": 0}, format="json")
    api(alice).put(url(task), {"labels": grid(2), "revision": 1}, format="json")
    assert list(KeptGuess.objects.values_list("task_id", flat=True)) == [task.pk]


@pytest.mark.parametrize("body, field", [([1, 2], "non_field_errors"), ({"labels": grid(), "revision": "1"}, "revision"),
                                         ({"labels": grid(), "revision": 1.0}, "revision")])
def test_a_body_that_is_not_an_object_or_a_revision_that_is_not_an_integer_is_a_400(api, alice, task, body, field):
    r = api(alice).post(url(task, True), body, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not Annotation.objects.exists()
