"""Two real threads on Postgres saving the same revision: exactly one wins, the other is stale, history is whole."""
import numpy as np
import pytest

from annotation.access import access_label_target
from annotation.models import Annotation, AnnotationRevision
from annotation.services import StaleRevision, label_save
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def race(user, task_id, values, revision):
    """Both threads read the caller's state first, then save at the same moment (so both pass the Python check)."""

    def save(i, go):
        try:
            target = access_label_target(user, task_id)
            go()
            labels = np.full((32, 32), values[i], np.uint8)
            return label_save(user=user, target=target, labels=labels, revision=revision, submit=True).revision
        except StaleRevision as exc:
            return ("stale", exc.current)

    return at_once(len(values), save)


@pytest.fixture
def task(chip, alice, assign, full_mask):
    assign(chip, alice)
    full_mask(chip)
    return chip.tasks.first()


def test_two_concurrent_submits_of_the_same_revision_one_wins_one_gets_409(alice, task):
    first = label_save(user=alice, target=access_label_target(alice, task.pk), labels=np.ones((32, 32), np.uint8),
                       revision=0, submit=False)
    assert first.revision == 1
    results = race(alice, task.pk, [5, 6], revision=1)
    assert sorted(map(str, results)) == sorted(["2", str(("stale", 2))])
    winner = 5 if results[0] == 2 else 6
    ann = Annotation.objects.get(task=task, annotator=alice)
    assert ann.revision == 2 and bytes(ann.labels)[0] == winner
    assert list(AnnotationRevision.objects.filter(annotation=ann).values_list("revision", flat=True)) == [1, 2]


def test_two_concurrent_first_saves_create_one_annotation(alice, task):
    results = race(alice, task.pk, [2, 3], revision=0)
    assert sorted(map(str, results)) == sorted(["1", str(("stale", 1))])
    assert Annotation.objects.filter(task=task).count() == 1
    assert AnnotationRevision.objects.filter(annotation__task=task).count() == 1


def test_a_task_completed_by_two_simultaneous_submits_is_announced_as_complete(chip, alice, bob, carol, assign,
                                                                             full_mask):
    """The 2nd and 3rd annotations submitted at the same moment: each statement alone would count 2 of 3."""
    from annotation.signals import annotation_submitted

    assign(chip, alice, bob, carol)
    full_mask(chip)
    heard = []
    annotation_submitted.connect(lambda sender, **kw: heard.append(kw), weak=False, dispatch_uid="race-test")
    try:
        labels = np.full((32, 32), 3, np.uint8)
        tasks = list(chip.tasks.all()[:12])
        for task in tasks:  # alice has submitted; bob and carol each hold a draft (both take the UPDATE path)
            label_save(user=alice, target=access_label_target(alice, task.pk), labels=labels, revision=0, submit=True)
            for user in (bob, carol):
                label_save(user=user, target=access_label_target(user, task.pk), labels=labels, revision=0,
                           submit=False)
        for task in tasks:

            def submit(i, go, task=task):
                user = (bob, carol)[i]
                target = access_label_target(user, task.pk)
                go()
                label_save(user=user, target=target, labels=labels, revision=1, submit=True)

            at_once(2, submit, timeout=10)
        complete = {kw["task_id"] for kw in heard if kw["submitted_count"] == 3}
        assert complete == {t.pk for t in tasks}
    finally:
        annotation_submitted.disconnect(dispatch_uid="race-test")
