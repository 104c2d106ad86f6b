"""Submissions are announced after commit, for consensus to pick up."""
import numpy as np
import pytest

from annotation.access import access_label_target
from annotation.services import label_save, reference_task_add
from annotation.signals import annotation_submitted, expert_label_submitted


@pytest.fixture
def heard():
    got = []

    def listen(sender, **kwargs):
        got.append((sender.__name__, kwargs))

    annotation_submitted.connect(listen)
    expert_label_submitted.connect(listen)
    yield got
    annotation_submitted.disconnect(listen)
    expert_label_submitted.disconnect(listen)


def save(user, task, submit=True, revision=0):
    target = access_label_target(user, task.pk)
    return label_save(user=user, target=target, labels=np.ones((32, 32), np.uint8), revision=revision, submit=submit)


def test_the_third_submit_and_later_resubmits_are_announced_with_the_count(
    chip, alice, bob, carol, assign, full_mask, heard, django_capture_on_commit_callbacks
):
    assign(chip, alice, bob, carol)
    full_mask(chip)
    task = chip.tasks.first()
    steps = [(alice, False, 0), (bob, True, 0), (carol, True, 0), (alice, True, 1), (bob, True, 1)]
    for user, submit, revision in steps:  # each save commits before the next (its callbacks run then)
        with django_capture_on_commit_callbacks(execute=True):
            save(user, task, submit=submit, revision=revision)
    # a draft, then 1 of 3 and 2 of 3: nothing for consensus yet; the third, and a resubmit, are announced
    assert [(k["annotator_id"], k["submitted_count"]) for _, k in heard] == [(alice.pk, 3), (bob.pk, 3)]
    assert all(name == "Annotation" and k["task_id"] == task.pk and k["is_reference"] is False for name, k in heard)


def test_every_submit_of_a_reference_task_is_announced(chip, alice, erin, assign, full_mask, heard,
                                                       django_capture_on_commit_callbacks):
    assign(chip, alice)
    full_mask(chip)
    task = chip.tasks.first()
    reference_task_add(task_id=task.pk, expert=erin)
    with django_capture_on_commit_callbacks(execute=True):
        save(alice, task)
    assert [(k["annotator_id"], k["submitted_count"], k["is_reference"]) for _, k in heard] == [(alice.pk, 1, True)]


def test_nothing_is_announced_when_the_transaction_rolls_back(chip, alice, erin, assign, full_mask, heard,
                                                              django_capture_on_commit_callbacks):
    from django.db import transaction

    assign(chip, alice)
    full_mask(chip)
    reference_task_add(task_id=chip.tasks.first().pk, expert=erin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            save(alice, chip.tasks.first())
            assert heard == []  # not before the commit
            raise RuntimeError
    assert heard == [] and callbacks == []


def test_an_expert_submit_is_announced(chip, erin, heard, django_capture_on_commit_callbacks):
    task = chip.tasks.first()
    reference_task_add(task_id=task.pk, expert=erin)
    with django_capture_on_commit_callbacks(execute=True):
        save(erin, task)
    assert heard == [("ExpertLabel", {"signal": expert_label_submitted, "task_id": task.pk, "expert_id": erin.pk,
                                      "revision": 1})]


def test_a_draft_over_a_submitted_annotation_is_announced_as_withdrawn(
    chip, alice, bob, carol, assign, full_mask, django_capture_on_commit_callbacks
):
    from annotation.signals import annotation_withdrawn

    got = []

    def listen(sender, **kwargs):
        got.append(kwargs)

    annotation_withdrawn.connect(listen)
    try:
        assign(chip, alice, bob, carol)
        full_mask(chip)
        task = chip.tasks.first()
        for user, submit, revision in [(alice, True, 0), (bob, True, 0), (carol, True, 0), (alice, False, 1),
                                       (alice, False, 2)]:
            with django_capture_on_commit_callbacks(execute=True):
                save(user, task, submit=submit, revision=revision)
    finally:
        annotation_withdrawn.disconnect(listen)
    # only the first draft takes a submission away; a draft over a draft changes nothing for consensus
    assert [(k["task_id"], k["annotator_id"], k["revision"], k["submitted_count"], k["is_reference"]) for k in got] \
        == [(task.pk, alice.pk, 2, 2, False)]


def test_a_later_submit_still_costs_four_queries(chip, alice, bob, assign, full_mask, api,
                                                  django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assign(chip, alice, bob)
    full_mask(chip)
    url = f"/api/tasks/{chip.tasks.first().pk}/annotation/submit/"
    client = api(alice)
    for revision in (0, 1, 2):  # first save, a later one (prepares the statements), then the one measured
        with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {"labels": [[1] * 32] * 32, "revision": revision}, format="json").status_code == 200
    # the token (with its user: never cached, so a deleted token is refused at once) + access + the saving statement
    # + the post-commit count (below three submitted); the withdrawal hook adds none
    assert len(ctx.captured_queries) == 4, [q["sql"][:60] for q in ctx.captured_queries]


def test_a_draft_over_a_submitted_expert_label_is_announced_as_withdrawn(
    chip, erin, django_capture_on_commit_callbacks
):
    from annotation.signals import expert_label_withdrawn

    got = []

    def listen(sender, **kwargs):
        got.append(kwargs)

    expert_label_withdrawn.connect(listen)
    try:
        task = chip.tasks.first()
        reference_task_add(task_id=task.pk, expert=erin)
        for submit, revision in [(True, 0), (False, 1), (False, 2)]:
            with django_capture_on_commit_callbacks(execute=True):
                save(erin, task, submit=submit, revision=revision)
    finally:
        expert_label_withdrawn.disconnect(listen)
    # only the draft over the submitted label withdraws it; a draft over a draft says nothing
    assert [(k["task_id"], k["expert_id"], k["revision"]) for k in got] == [(task.pk, erin.pk, 2)]
