"""Counters kept as the work happens equal a full recount, after a random mix of the events that change them:
submits, drafts over submitted work, unassignments (and re-assignments), expert labels."""
import random

import numpy as np
import pytest
from django.db import connection

from imagery.lib.domain import TASK_SIZE


def recount_assignments() -> dict:
    """What the triggers should hold, counted from scratch (migration 0004's recount, in a rolled-back savepoint)."""
    import importlib

    from django.db import transaction

    from annotation.models import Assignment

    recount = importlib.import_module("annotation.migrations.0004_assignment_counters")._RECOUNT
    kept = dict(Assignment.objects.values_list("pk", "n_submitted"))
    sid = transaction.savepoint()
    with connection.cursor() as cur:
        cur.execute(recount)
    fresh = {pk: (n, t) for pk, n, t in Assignment.objects.filter(ended_at__isnull=True)
             .values_list("pk", "n_submitted", "n_tasks")}
    transaction.savepoint_rollback(sid)
    assert dict(Assignment.objects.values_list("pk", "n_submitted")) == kept
    return fresh


def summaries() -> dict:
    from export.models import ChipSummary

    return {row["chip_id"]: row for row in ChipSummary.objects.values(
        "chip_id", "tile_id", "n_tasks", "n_done", "complete", "mean_score", "class_pixels", "percent_pixels")}


def step(rng, tasks, chips, crew, expert, save, done) -> None:
    """One random event of the campaign."""
    from annotation.models import Assignment
    from annotation.services import assignment_end, assignments_create

    event = rng.random()
    active = list(Assignment.objects.filter(ended_at__isnull=True).select_related("user").order_by("pk"))
    if event < 0.6:  # an annotator submits (or re-submits) one of their tasks
        a = rng.choice(active)
        done.append(save(a.user, rng.choice([t for t in tasks if t.chip_id == a.chip_id]), submit=True))
    elif event < 0.72:  # a draft over it (it no longer counts)
        a = rng.choice(active)
        done.append(save(a.user, rng.choice([t for t in tasks if t.chip_id == a.chip_id]), submit=False))
    elif event < 0.82:  # an expert label on a reference task
        done.append(save(expert, rng.choice(tasks[::3]), submit=True))
    elif event < 0.92:  # unassign one annotator
        assignment_end(assignment=rng.choice(active))
    else:  # fill the chip's free slots (an annotator taken off it may come back, with their labels)
        chip = rng.choice(chips)
        have = set(Assignment.objects.filter(chip=chip, ended_at__isnull=True).values_list("user_id", flat=True))
        if len(have) < 3:
            free = [u.pk for u in crew if u.pk not in have]
            assignments_create(chip_ids=[chip.pk], user_ids=rng.sample(free, 3 - len(have)))


@pytest.fixture
def full_mask(db):
    from annotation.lib.labels import pack_mask
    from annotation.models import TaskDataMask

    def do(chip):
        mask = pack_mask(np.ones((TASK_SIZE, TASK_SIZE), bool))
        TaskDataMask.objects.bulk_create(TaskDataMask(task=t, mask=mask, n_scenes=1) for t in chip.tasks.all())

    return do


@pytest.mark.parametrize("seed", [1])
def test_incremental_counters_equal_a_full_recount(seed, make_chip, make_user, api, full_mask,
                                                  django_capture_on_commit_callbacks):
    from annotation.models import Assignment, ReferenceTask
    from annotation.services import assignments_create
    from export.summaries import chip_summaries_rebuild

    rng = random.Random(seed)
    crew = [make_user(f"ann{i}", "annotator") for i in range(5)]
    expert = make_user("erin", "expert")
    chips = [make_chip("32NLP_00"), make_chip("32NLP_01")]
    for chip in chips:
        full_mask(chip)
        assignments_create(chip_ids=[chip.pk], user_ids=[u.pk for u in crew[:3]])
    tasks = [t for chip in chips for t in chip.tasks.order_by("row", "col")[:6]]
    for task in tasks[::3]:
        ReferenceTask.objects.create(task=task, expert=expert)
    revision = {}  # (user, task) -> current revision

    def labels():
        return np.random.default_rng(rng.randrange(1 << 30)).integers(1, 8, (TASK_SIZE, TASK_SIZE)).tolist()

    def save(user, task, submit):
        path = f"/api/tasks/{task.pk}/annotation/" + ("submit/" if submit else "")
        body = {"labels": labels(), "revision": revision.get((user.pk, task.pk), 0)}
        r = getattr(api(user), "post" if submit else "put")(path, body, format="json")
        if r.status_code == 200:
            revision[(user.pk, task.pk)] = r.json()["revision"]
        return r.status_code

    done = []
    for _ in range(160):
        with django_capture_on_commit_callbacks(execute=True):  # consensus runs after each commit, as in production
            step(rng, tasks, chips, crew, expert, save, done)
    assert done.count(200) > 60  # the sequence did real work

    expected = recount_assignments()
    kept = {pk: (n, t) for pk, n, t in Assignment.objects.filter(ended_at__isnull=True)
            .values_list("pk", "n_submitted", "n_tasks")}
    assert kept == expected
    from annotation.selectors import my_tasks, my_tasks_count

    statuses = {}
    for user in crew:  # the task list's count, from the counters, is the list's length, for every status filter
        for status in (None, "pending", "draft", "submitted"):
            query = {"page_size": 1000} | ({"status": status} if status else {})
            listed = api(user).get("/api/me/tasks/", query).json()
            assert my_tasks_count(user, status=status) == listed["count"] == len(listed["results"]) \
                == my_tasks(user, status=status).count(), (user.username, status)
            statuses[status] = statuses.get(status, 0) + listed["count"]
    assert all(statuses[s] for s in ("pending", "draft", "submitted")), statuses  # each kind of task is left
    incremental = summaries()
    assert incremental, "some chips have consensus"
    chip_summaries_rebuild()
    rebuilt = summaries()
    assert incremental.keys() == rebuilt.keys()
    for chip_id, row in rebuilt.items():
        mine = incremental[chip_id]
        assert {k: v for k, v in mine.items() if k != "mean_score"} == {k: v for k, v in row.items() if k != "mean_score"}
        assert mine["mean_score"] == pytest.approx(row["mean_score"], abs=1e-12)
