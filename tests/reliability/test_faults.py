"""Faults against real services: Postgres (the test database), a redis-server each test starts on its own port, and
real Celery worker processes (solo pool, embedded beat running the outbox sweep every second; short leases, see
conftest.FAST_OUTBOX). Each fault is compared with a clean run of the same work on the same chip.

Run them: pytest -m reliability tests/reliability"""
import contextlib
import time

import numpy as np
import psycopg2
import pytest
from django.db import connection

from consensus.jobs import lock_name
from lcnet_site.outbox.locks import lock_id
from lcnet_site.outbox.models import Job, JobState
from tests.reliability.conftest import consensus_of, submit
from tests.tcp_proxy import TcpProxy
from tests.threads import at_once
from tests.worker_wait import wait_for_worker

pytestmark = [pytest.mark.reliability, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

VALUES = (2, 3, 2)  # alice, bob, carol


def two_tasks(chip):
    return list(chip.tasks.order_by("row", "col")[:2])


def clean_run(crew, task):
    """The reference: three submits with everything up; returns the consensus the worker computed."""
    for user, value in zip(crew, VALUES):
        assert submit(user, task, value).status_code == 200
    return wait_for_worker(lambda: consensus_of(task), "compute the clean run's consensus", 60)


def refresh_job(task) -> Job | None:
    return Job.objects.filter(kind="consensus.task_refresh", key=str(task.pk)).order_by("-pk").first()


def done(find, seconds: float = 15) -> Job:
    """The job `find()` returns, once it is done: a handler's work commits first, its job row is marked done just
    after in its own transaction, so a test that saw the work must still wait a moment for the row."""
    return wait_for_worker(lambda: (job := find()) is not None and job.state == JobState.DONE and job,
                           "mark its job done", seconds)


class HeldLock:
    """The advisory lock a consensus job of `task` takes, held by the test from its own connection: the job is
    claimed, then waits inside its handler — a worker is "mid-consensus" for as long as the test likes."""

    def __init__(self, task):
        db = connection.settings_dict
        self.conn = psycopg2.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                                     dbname=db["NAME"])
        self.conn.autocommit = True
        self.id = lock_id(lock_name(task_id=task.pk))
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [self.id])

    def release(self):
        if self.conn is not None:
            self.conn.close()  # the session lock goes with the session
            self.conn = None


@contextlib.contextmanager
def mid_consensus(crew, task):
    """The crew submits `task`; a worker claims its consensus job and waits inside it (HeldLock) until the block
    ends."""
    lock = HeldLock(task)
    try:
        for user, value in zip(crew, VALUES):
            assert submit(user, task, value).status_code == 200
        wait_for_worker(lambda: (j := refresh_job(task)) and j.state == JobState.RUNNING, "claim the job", 30)
        yield
    finally:
        lock.release()


def test_a_third_submit_while_the_broker_is_stopped_answers_200_and_its_consensus_comes_once_it_is_back(
        broker, start_worker, labeling):
    chip, crew = labeling
    clean, faulty = two_tasks(chip)
    start_worker("w1")
    expected = clean_run(crew, clean)
    for user, value in zip(crew[:2], VALUES[:2]):
        assert submit(user, faulty, value).status_code == 200
    broker.stop()
    response = submit(crew[2], faulty, VALUES[2])
    assert response.status_code == 200, response.content[:300]
    assert refresh_job(faulty).state == JobState.PENDING and consensus_of(faulty) is None  # committed, not handed
    broker.start()  # empty: whatever it held is gone; the sweep hands the pending job again
    assert wait_for_worker(lambda: consensus_of(faulty), "compute the consensus once the broker is back", 60) == expected
    done(lambda: refresh_job(faulty))


def test_a_worker_killed_mid_consensus_is_redone_by_the_next_worker_within_a_minute(broker, start_worker, labeling):
    chip, crew = labeling
    clean, faulty = two_tasks(chip)
    first = start_worker("w1")
    expected = clean_run(crew, clean)
    with mid_consensus(crew, faulty):
        first.kill()  # SIGKILL, mid-consensus: the job's row stays "running" with a lease nobody renews
    assert consensus_of(faulty) is None
    started = time.monotonic()
    start_worker("w2")
    assert wait_for_worker(lambda: consensus_of(faulty), "redo the killed worker's consensus", 60) == expected
    assert time.monotonic() - started < 60
    assert done(lambda: refresh_job(faulty)).attempts == 2


def test_a_worker_killed_mid_training_is_redone_identically_and_the_tile_is_not_blocked(
        broker, start_worker, shared_data):
    from guesslabels import services
    from guesslabels.models import RunStatus, TrainingRun
    from tests.guesslabels.conftest import EOLEARN_MAPPING, run_command

    patch = shared_data / "eolearn_testeopatch"
    run_command("ingest_chips", patch)
    first = start_worker("w1")
    run_command("train_guess_labels", "--tile", "33TVL", "--map", patch / "lulc.tif", "--mapping", EOLEARN_MAPPING)
    run = TrainingRun.objects.get()
    wait_for_worker(lambda: TrainingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists(),
                    "start training", 60)
    first.kill()  # SIGKILL, mid-training
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING, "killed too late"
    started = time.monotonic()
    start_worker("w2")
    wait_for_worker(lambda: TrainingRun.objects.filter(pk=run.pk, status=RunStatus.DONE).exists(),
                    "redo the killed worker's training", 90)
    redone_in = time.monotonic() - started
    run.refresh_from_db()
    job = done(lambda: Job.objects.filter(kind="guesslabels.train", key=str(run.pk)).first())
    assert job.attempts == 2

    # The tile is free: a new run is accepted and, trained cleanly with the same seed, gives the same model.
    clean = services.training_run_start(tile_id="33TVL", seed=run.seed)
    wait_for_worker(lambda: TrainingRun.objects.filter(pk=clean.pk, status=RunStatus.DONE).exists(),
                    "train the clean run", 90)
    clean.refresh_from_db()
    assert clean.metrics == run.metrics and clean.params == run.params
    assert redone_in < 60 + 30  # back within a minute (the lease and sweep), plus the training itself


def test_a_database_refused_inside_a_job_is_retried_and_completed(broker, start_worker, labeling):

    chip, crew = labeling
    clean, faulty = two_tasks(chip)
    db = connection.settings_dict
    line = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)).open()  # the worker's only way to Postgres
    try:
        start_worker("w1", database_port=line.port)
        expected = clean_run(crew, clean)
        with mid_consensus(crew, faulty):
            line.close()  # the job's connection is cut and new ones are refused
            time.sleep(3)  # an outage of a few seconds: the retries meet a refusing database
        line.open()
        assert wait_for_worker(lambda: consensus_of(faulty), "complete the job once the database is back", 60) == expected
        job = done(lambda: refresh_job(faulty))  # the one job of the task: interrupted, retried, done
        assert job.attempts >= 2 and "attempt 1" in job.last_error
        assert Job.objects.filter(kind="consensus.task_refresh", key=str(faulty.pk)).count() == 1
    finally:
        line.close()


def test_racing_last_submits_give_one_consensus_computation(labeling, monkeypatch):
    """Bob's and Carol's submits of the same tasks at the same moment (threads on Postgres, jobs run eagerly in
    each): whichever commits last enqueues, often both do; the task is computed once."""
    from annotation.access import access_label_target
    from annotation.services import label_save
    from consensus import services

    chip, (alice, bob, carol) = labeling
    tasks = list(chip.tasks.order_by("row", "col")[:6])
    computed = []  # the task ids of every Bayes computation (the real engine call, counted on its way through)
    real_bayes = services._bayes
    monkeypatch.setattr(services, "_bayes", lambda ids, complete: computed.extend(ids) or real_bayes(ids, complete))
    for task in tasks:
        label_save(user=alice, target=access_label_target(alice, task.pk), labels=np.full((32, 32), 2, np.uint8),
                   revision=0, submit=True)

    for task in tasks:
        def work(i, go, task=task):
            user, value = ((bob, 3), (carol, 2))[i]
            target = access_label_target(user, task.pk)
            go()
            return label_save(user=user, target=target, labels=np.full((32, 32), value, np.uint8), revision=0,
                              submit=True).revision

        assert at_once(2, work) == [1, 1]
    assert all(consensus_of(t) is not None for t in tasks)
    assert sorted(computed) == sorted(t.pk for t in tasks)  # each task once, however many jobs its submits made
