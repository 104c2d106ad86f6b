"""Enqueue, run, sweep and retry outbox jobs: the only writers of outbox.models.Job.

Guarantees: the row is committed with the caller's work or not at all; a broker error after commit is logged, never
raised (the sweep hands the job again); a job is run by one worker at a time (row claim with a lease) and redone when
its worker is lost (lease expired) or a database/broker error interrupts it (backoff, OUTBOX_MAX_ATTEMPTS), after
which it is `failed` with its error for an admin to retry. Handlers must be idempotent: a job can run twice.
"""
import logging
import traceback
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from lcnet_site.outbox import registry
from lcnet_site.outbox.models import Job, JobState

log = logging.getLogger(__name__)

# Errors of the infrastructure, not of the job: the same job succeeds once the database or broker is back.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


def _setting(name: str, default):
    return getattr(settings, name, default)


def _lease(kind: str) -> timedelta:
    handler = registry.handler(kind)
    seconds = handler.lease_s if handler and handler.lease_s else _setting("OUTBOX_LEASE_S", 300)
    return timedelta(seconds=seconds)


def job_enqueue(*, kind: str, key=None, payload: dict | None = None, delay_s: float = 0) -> int:
    """Write a job in the caller's transaction (or reuse the pending one of the same kind and key) and hand it to
    Celery after commit. key None: never deduplicated. Returns the job id."""
    key = uuid.uuid4().hex if key is None else str(key)
    not_before = timezone.now() + timedelta(seconds=delay_s)
    with transaction.atomic():
        # the pending row is locked until the caller commits: a worker claiming it meanwhile skips it and the
        # hand-off below (after commit) brings it back, so the job always sees the caller's work
        pending = Job.objects.select_for_update().filter(kind=kind, key=key, state=JobState.PENDING)
        pk = pending.values_list("pk", flat=True).first()
        while pk is None:
            try:
                with transaction.atomic():
                    pk = Job.objects.create(kind=kind, key=key, payload=payload or {}, not_before=not_before).pk
            except IntegrityError:  # a concurrent enqueue wrote it first: that one carries this work too
                pk = pending.values_list("pk", flat=True).first()
    _after_commit(lambda: _hand_off(pk, delay_s))
    return pk


def _after_commit(fn) -> None:
    """on_commit, except that a test case's own wrapping transaction counts as none (as Django's durable atomic
    does): jobs enqueued by code running outside any transaction of its own are handed off at once."""
    if all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        fn()
    else:
        transaction.on_commit(fn, robust=True)


def _hand_off(job_id: int, countdown: float = 0) -> bool:
    """Give the job id to Celery. The row is committed: a broker that cannot take it now loses nothing (the sweep
    hands it again), so its error is logged, not raised, and the request that enqueued it still succeeds."""
    from lcnet_site.outbox.tasks import job_run_task  # the task module imports these services

    try:
        job_run_task.apply_async((job_id,), countdown=countdown or None, retry=True,
                                 retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2})
        return True
    except Exception as exc:  # noqa: BLE001 — broker down (or, eager, the job's own trouble): the row stays
        log.warning("outbox job %s not handed to Celery (%r); the sweep will hand it again", job_id, exc)
        return False


# --- running ---------------------------------------------------------------------------------------------------


def _claim(job_id: int, owner: str, interrupted: str = "") -> Job | None:
    """Take the job if it is pending, or running on a lease that expired (its worker was lost), or running under
    this Celery task id (a retry of the same delivery)."""
    now = timezone.now()
    mine = Q(claimed_by=owner) if owner else Q(pk__in=[])
    with transaction.atomic():
        job = (Job.objects.select_for_update(skip_locked=True).filter(pk=job_id)
               .filter(Q(state=JobState.PENDING) | Q(state=JobState.RUNNING) & (Q(lease_until__lt=now) | mine))
               .first())
        if job is None:
            return None
        job.state, job.attempts, job.claimed_by = JobState.RUNNING, job.attempts + 1, owner
        job.lease_until, job.heartbeat_at = now + _lease(job.kind), now
        if interrupted:  # the previous attempt could not write its error: the database was away
            job.last_error = f"attempt {job.attempts - 1} interrupted: {interrupted}"
        job.save(update_fields=["state", "attempts", "claimed_by", "lease_until", "heartbeat_at", "last_error",
                                "updated_at"])
    return job


class _Heartbeat:
    """Called by long handlers between steps: pushes the lease on (at most every OUTBOX_HEARTBEAT_S)."""

    def __init__(self, job: Job):
        self.job, self.lease, self.last = job, _lease(job.kind), timezone.now()

    def __call__(self) -> None:
        now = timezone.now()
        if (now - self.last).total_seconds() < _setting("OUTBOX_HEARTBEAT_S", 5):
            return
        self.last = now
        Job.objects.filter(pk=self.job.pk, state=JobState.RUNNING, claimed_by=self.job.claimed_by).update(
            lease_until=now + self.lease, heartbeat_at=now)


def job_run(*, job_id: int, owner: str = "", interrupted: str = "") -> str:
    """Run one job (a Celery task calls this). Returns the state it left the job in, or "skipped" when another
    worker holds it or it is finished. Raises only a transient error that kept it from recording the outcome
    (the caller retries, passing it as `interrupted`; the lease brings it back otherwise)."""
    job = _claim(job_id, owner, interrupted)
    if job is None:
        return "skipped"
    handler = registry.handler(job.kind)
    if handler is None:
        return _finish(job, JobState.FAILED, error=f"no handler registered for job kind {job.kind!r}")
    try:
        result = handler.fn(job.payload, _Heartbeat(job))
    except TRANSIENT + handler.transient as exc:
        return _retry_later(job, exc)
    except Exception:  # noqa: BLE001 — the job's own error: recorded for the operator, not retried blindly
        log.exception("outbox job %s (%s) failed", job.pk, job.kind)
        return _finish(job, JobState.FAILED, error=traceback.format_exc())
    return _finish(job, JobState.DONE, result=result if isinstance(result, (int, float, str, bool, list, dict)) else None)


def _finish(job: Job, state: str, *, error: str = "", result=None) -> str:
    """Record the outcome (a job done after retries keeps the error of its last interrupted attempt)."""
    fields = dict(state=state, result=result, lease_until=None, finished_at=timezone.now(), updated_at=timezone.now())
    if error:
        fields["last_error"] = error[-10000:]
    Job.objects.filter(pk=job.pk, claimed_by=job.claimed_by).update(**fields)
    return state


def _backoff(attempts: int) -> float:
    base, cap = _setting("OUTBOX_RETRY_BASE_S", 5), _setting("OUTBOX_RETRY_MAX_S", 300)
    return min(base * 2 ** max(attempts - 1, 0), cap)


def _retry_later(job: Job, exc: Exception) -> str:
    """A transient error: back to pending after a backoff, or failed once the attempts are used up."""
    error = f"attempt {job.attempts}: {exc!r}"
    log.warning("outbox job %s (%s) interrupted: %s", job.pk, job.kind, error)
    if connection.in_atomic_block:  # eager, inside a caller's transaction: nothing can be written now
        raise exc
    close_old_connections()  # a connection the outage broke is replaced on the next query
    connection.close()
    if job.attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 5):
        return _finish(job, JobState.FAILED, error=f"{error}\n(gave up after {job.attempts} attempts)")
    delay = _backoff(job.attempts)
    with transaction.atomic():  # raises while the database is still away: the Celery task retries
        updated = Job.objects.filter(pk=job.pk, claimed_by=job.claimed_by, state=JobState.RUNNING).update(
            state=JobState.PENDING, not_before=timezone.now() + timedelta(seconds=delay), lease_until=None,
            last_error=error, updated_at=timezone.now())
    if not updated:  # a pending twin exists (same kind and key): it will do the work
        return _finish(job, JobState.DONE, error=error, result="superseded")
    if not settings.CELERY_TASK_ALWAYS_EAGER:  # eager: the sweep (or the next enqueue) runs it again
        _hand_off(job.pk, delay)
    return JobState.PENDING


# --- sweeping and retrying -------------------------------------------------------------------------------------


def jobs_sweep() -> dict:
    """Hand again what was lost: pending jobs due for longer than OUTBOX_HANDOFF_GRACE_S (the broker refused them,
    or the message was lost) and running jobs whose lease expired (their worker died); then ask each app's sweeper
    for work it finds missing. Returns counts by what was done."""
    now = timezone.now()
    grace = timedelta(seconds=_setting("OUTBOX_HANDOFF_GRACE_S", 60))
    counts = {"handed": 0, "expired": 0, "failed": 0}
    expired = list(Job.objects.filter(state=JobState.RUNNING, lease_until__lt=now).values_list("pk", "attempts"))
    for pk, attempts in expired:
        if attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 5):
            counts["failed"] += Job.objects.filter(pk=pk, state=JobState.RUNNING, lease_until__lt=now).update(
                state=JobState.FAILED, lease_until=None, finished_at=now, updated_at=now,
                last_error=f"its worker was lost {attempts} times (lease expired); gave up")
            continue
        try:
            # back to pending so it can be claimed; a pending twin (same kind and key) already carries the work
            with transaction.atomic():
                moved = Job.objects.filter(pk=pk, state=JobState.RUNNING, lease_until__lt=now).update(
                    state=JobState.PENDING, lease_until=None, not_before=now, updated_at=now,
                    last_error=f"attempt {attempts}: lease expired (its worker was lost or cut off)")
        except IntegrityError:
            moved = Job.objects.filter(pk=pk, state=JobState.RUNNING, lease_until__lt=now).update(
                state=JobState.DONE, lease_until=None, finished_at=now, result="superseded", updated_at=now)
            continue
        if moved:
            counts["expired"] += 1
            _hand_off(pk)
    lost = Job.objects.filter(state=JobState.PENDING, not_before__lt=now - grace).order_by("not_before")
    for pk in list(lost.values_list("pk", flat=True)[:_setting("OUTBOX_SWEEP_BATCH", 500)]):
        # handed again no sooner than one grace from now: a busy queue is not flooded with copies
        Job.objects.filter(pk=pk, state=JobState.PENDING).update(not_before=now, updated_at=now)
        counts["handed"] += _hand_off(pk)
    for name, sweeper in registry.sweepers().items():
        try:
            counts[name] = sweeper()
        except Exception:  # noqa: BLE001 — one app's sweeper failing must not stop the others
            log.exception("outbox sweeper %s failed", name)
    return counts


def jobs_retry(*, job_ids) -> int:
    """Put failed jobs back to pending with fresh attempts (the admin's "retry" action) and hand them to Celery."""
    ids = []
    for pk, kind, key in Job.objects.filter(pk__in=list(job_ids), state=JobState.FAILED).values_list("pk", "kind", "key"):
        if Job.objects.filter(kind=kind, key=key, state=JobState.PENDING).exists():
            continue  # the same work is already queued again
        Job.objects.filter(pk=pk, state=JobState.FAILED).update(state=JobState.PENDING, attempts=0, not_before=timezone.now(),
                                                                 finished_at=None, updated_at=timezone.now())
        ids.append(pk)
    for pk in ids:
        _after_commit(lambda pk=pk: _hand_off(pk))
    return len(ids)
