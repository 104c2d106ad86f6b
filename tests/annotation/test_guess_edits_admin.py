"""The admin's "Guess edits by run": per run (and for the rule), the submitted tasks that started from its guess and
the pixels annotators changed in them — the figure that says whether retraining on consensus helps."""
import re

import pytest

from annotation.models import Annotation, Status
from guesslabels.models import GuessSource, KeptGuess, RunStatus, TrainingRun

CHANGELIST = "/admin/annotation/guessedits/"


@pytest.fixture
def staff(make_user, client):
    client.force_login(make_user("root", "admin", is_staff=True, is_superuser=True))
    return client


def _submitted(task, annotator, changed, status=Status.SUBMITTED):
    Annotation.objects.create(task=task, annotator=annotator, labels=bytes(1024), guess=bytes(1024), status=status,
                              revision=1, differ_from_guess=changed)


def _row(html, run):
    """The changelist row of a run, as text."""
    match = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*?>{run.pk}</a>(?:(?!</tr>).)*</tr>', html, re.S)
    assert match, f"no row for run {run.pk}"
    return re.sub(r"<[^>]+>", " ", match.group(0))


def test_each_run_shows_its_submitted_tasks_and_the_pixels_changed_in_them(staff, make_chip, make_user):
    chip = make_chip()
    first, second = (TrainingRun.objects.create(tile=chip.tile, status=RunStatus.DONE) for _ in range(2))
    alice, bob = make_user("alice", "annotator"), make_user("bob", "annotator")
    tasks = list(chip.tasks.order_by("row", "col")[:5])
    for task, run in zip(tasks, [first, first, second, None, None]):
        KeptGuess.objects.create(task=task, source=GuessSource.RULE if run is None else GuessSource.TILE, run=run)
    _submitted(tasks[0], alice, 300)
    _submitted(tasks[0], bob, 100)
    _submitted(tasks[1], alice, 200)
    _submitted(tasks[1], bob, 999, status=Status.DRAFT)  # a draft is not an edit yet
    _submitted(tasks[2], alice, 40)
    _submitted(tasks[3], alice, 10)
    _submitted(tasks[4], bob, 30)

    html = staff.get(CHANGELIST).content.decode()
    assert re.search(r"\b3\b.*\b200 of 1,024\b", _row(html, first), re.S)  # (300 + 100 + 200) / 3
    assert re.search(r"\b1\b.*\b40 of 1,024\b", _row(html, second), re.S)
    rule = re.search(r'<table id="rule-edits">.*?</table>', html, re.S).group(0)
    assert re.search(rf"{chip.tile_id}</td><td>2</td><td>20 of 1,024", rule)  # (10 + 30) / 2


def test_a_run_nobody_started_from_says_so(staff, make_chip):
    chip = make_chip()
    run = TrainingRun.objects.create(tile=chip.tile, status=RunStatus.DONE)
    html = staff.get(CHANGELIST).content.decode()
    assert re.search(r"\b0\b.*—", _row(html, run), re.S)
    assert 'id="rule-edits"' not in html  # no rule-based edits: no table for them


def test_the_page_is_read_only(staff, make_chip):
    run = TrainingRun.objects.create(tile=make_chip().tile, status=RunStatus.DONE)
    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    assert staff.post(f"{CHANGELIST}{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TrainingRun.objects.filter(pk=run.pk).exists()
