"""The outbox on Postgres with Celery eager (jobs run in this process): rows written with the caller's work,
deduplicated, run once, retried on transient errors, failed visibly and retried from the admin; the sweep hands
again what was lost and finds work nobody enqueued. The same against a real broker and worker: test_faults.py."""
from datetime import timedelta

import numpy as np
import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from lcnet_site.outbox import registry, services
from lcnet_site.outbox.models import Job, JobState
from tests.reliability.conftest import _use_broker, consensus_of, submit

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def handler():
    """handler(kind, fn) registers a handler for this test only; returns the list of payloads it was called with."""
    kinds = []

    def register(kind, fn=None):
        calls = []

        def run(payload, heartbeat):
            calls.append(payload)
            return fn(payload) if fn else len(calls)

        registry.register_handler(kind, run)
        kinds.append(kind)
        return calls

    yield register
    for kind in kinds:
        registry._handlers.pop(kind, None)


def test_a_job_is_committed_with_the_callers_work_or_not_at_all(handler):
    calls = handler("test.echo")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.job_enqueue(kind="test.echo", key="a", payload={"n": 1})
        1 / 0
    assert not Job.objects.exists() and calls == []
    with transaction.atomic():
        pk = services.job_enqueue(kind="test.echo", key="a", payload={"n": 1})
        assert calls == []  # not before commit
    assert calls == [{"n": 1}]
    job = Job.objects.get(pk=pk)
    assert (job.state, job.attempts, job.result, job.lease_until) == (JobState.DONE, 1, 1, None)


def test_enqueues_of_the_same_kind_and_key_before_it_runs_are_one_job(handler):
    calls = handler("test.echo")
    with transaction.atomic():
        first = services.job_enqueue(kind="test.echo", key="t1", payload={"n": 1})
        assert services.job_enqueue(kind="test.echo", key="t1", payload={"n": 2}) == first
        other = services.job_enqueue(kind="test.echo", key="t2")
    assert other != first and Job.objects.count() == 2 and len(calls) == 2  # the duplicate hand-off is a no-op
    assert services.job_run(job_id=first) == "skipped"  # finished: a late copy of its message does nothing


def test_a_job_that_raises_is_failed_with_its_error_and_the_admins_retry_runs_it_again(handler, admin_user, client):
    broken = {"yes": True}

    def flaky(payload):
        if broken["yes"]:
            raise ValueError("the input is not what the handler expected")
        return "ok"

    handler("test.flaky", flaky)
    pk = services.job_enqueue(kind="test.flaky", key="x")
    job = Job.objects.get(pk=pk)
    assert job.state == JobState.FAILED and "ValueError: the input is not what" in job.last_error
    client.force_login(admin_user)
    page = client.get("/admin/outbox/job/?state=failed")
    assert page.status_code == 200 and b"test.flaky" in page.content and b"ValueError" in page.content
    broken["yes"] = False
    response = client.post("/admin/outbox/job/", {"action": "retry", "_selected_action": [pk]}, follow=True)
    assert b"1 failed job(s) queued again" in response.content
    job.refresh_from_db()
    assert (job.state, job.result, job.attempts) == (JobState.DONE, "ok", 1)


def test_a_transient_error_is_retried_with_backoff_and_a_job_out_of_attempts_is_failed(handler, settings):
    settings.OUTBOX_HANDOFF_GRACE_S, settings.OUTBOX_RETRY_BASE_S, settings.OUTBOX_MAX_ATTEMPTS = 0, 0, 3
    outages = {"left": 1}

    def database_away(payload):
        if outages["left"]:
            outages["left"] -= 1
            raise OperationalError("connection refused")
        return "done after the outage"

    handler("test.outage", database_away)
    pk = services.job_enqueue(kind="test.outage", key="1")
    job = Job.objects.get(pk=pk)
    assert job.state == JobState.PENDING and "connection refused" in job.last_error  # eager: waits for the sweep
    services.jobs_sweep()
    job.refresh_from_db()
    assert (job.state, job.attempts, job.result) == (JobState.DONE, 2, "done after the outage")

    outages["left"] = 99
    pk = services.job_enqueue(kind="test.outage", key="2")
    for _ in range(3):
        services.jobs_sweep()
    job = Job.objects.get(pk=pk)
    assert job.state == JobState.FAILED and job.attempts == 3 and "gave up after 3 attempts" in job.last_error


def test_the_sweep_redoes_a_job_whose_worker_was_lost(handler):
    calls = handler("test.echo")
    job = Job.objects.create(kind="test.echo", key="k", state=JobState.RUNNING, attempts=1, claimed_by="dead-worker",
                             lease_until=timezone.now() - timedelta(seconds=1))
    Job.objects.create(kind="test.echo", key="live", state=JobState.RUNNING, attempts=1,
                       lease_until=timezone.now() + timedelta(minutes=5))  # its worker is alive: left alone
    assert services.jobs_sweep()["expired"] == 1
    job.refresh_from_db()
    assert (job.state, job.attempts, len(calls)) == (JobState.DONE, 2, 1)


def test_a_third_submit_while_the_broker_is_down_answers_200_and_the_sweep_brings_the_consensus(labeling, settings):
    from lcnet_site.celery_app import app

    chip, crew = labeling
    task = chip.tasks.order_by("row", "col").first()
    for user, value in zip(crew[:2], (2, 3)):
        assert submit(user, task, value).status_code == 200
    saved = app.conf.broker_url, app.conf.result_backend
    _use_broker(app, "redis://127.0.0.1:1/0", saved[1], eager=False)  # nothing listens there
    try:
        assert submit(crew[2], task, 2).status_code == 200
    finally:
        _use_broker(app, *saved, eager=True)
    job = Job.objects.get(kind="consensus.task_refresh", key=str(task.pk))
    assert job.state == JobState.PENDING and consensus_of(task) is None
    settings.OUTBOX_HANDOFF_GRACE_S = 0
    services.jobs_sweep()
    assert consensus_of(task) is not None and np.frombuffer(consensus_of(task)[0], np.uint8).max() == 2


def test_the_sweep_finds_tasks_with_all_submissions_and_no_consensus(labeling, settings):
    """Submissions whose job was never written (the process died between commit and enqueue)."""
    from annotation.models import Annotation, Status

    chip, crew = labeling
    task = chip.tasks.order_by("row", "col").first()
    raw = np.full((32, 32), 4, np.uint8).tobytes()
    Annotation.objects.bulk_create(Annotation(task=task, annotator=u, labels=raw, guess=raw, status=Status.SUBMITTED,
                                              revision=1, submitted_at=timezone.now()) for u in crew)
    assert consensus_of(task) is None
    assert services.jobs_sweep()["stale_consensus"] == 1
    assert consensus_of(task) is not None
    assert services.jobs_sweep()["stale_consensus"] == 0  # current now: nothing more


def test_the_sweep_requeues_a_training_run_nobody_executes_so_the_tile_is_not_blocked(make_chip, settings):
    from guesslabels.models import RunStatus, TrainingRun

    chip = make_chip()
    run = TrainingRun.objects.create(tile=chip.tile, status=RunStatus.RUNNING)  # its worker died long ago
    TrainingRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=1),
                                                 started_at=timezone.now() - timedelta(hours=1))
    assert services.jobs_sweep()["stuck_training_runs"] == 1
    run.refresh_from_db()
    # executed again (here: the tile has no land-cover map, so it ends as failed, saying why): no longer active
    assert run.status == RunStatus.FAILED and run.error
    assert Job.objects.get(kind="guesslabels.train").state == JobState.DONE
