"""Fault-test machinery: each test starts what it breaks — its own redis-server on a free port, its own Celery worker
(with embedded beat: the outbox sweep every second) — and never touches the machine's shared Redis or Postgres."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.seaweedfs import free_ports

# Short leases and sweeps, so a lost job comes back within seconds (production: docs/operations.md).
FAST_OUTBOX = dict(OUTBOX_LEASE_S="4", OUTBOX_HEARTBEAT_S="0.5", OUTBOX_HANDOFF_GRACE_S="2", OUTBOX_SWEEP_S="1",
                   OUTBOX_RETRY_BASE_S="0.5")


class RedisServer:
    """A throwaway broker: no persistence, so stopping it loses whatever it held (as losing the broker node does)."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.proc = folder, free_ports(1)[0], None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        log = open(self.folder / "redis.log", "a")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self._pong():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {log.name}")
            time.sleep(0.05)
        return self

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Worker:
    """`celery worker -B` (solo pool) as its own process group: stop() is a warm shutdown, kill() a SIGKILL of all."""

    def __init__(self, folder: Path, name: str, env: dict):
        self.folder, self.name, self.env, self.proc = folder, name, env, None

    @property
    def log_path(self) -> Path:
        return self.folder / f"{self.name}.log"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> "Worker":
        from django.conf import settings

        out = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lcnet_site", "worker", "-B", "-s", str(self.folder / "beat"),
             "--pool=solo", "--without-gossip", "--without-mingle", "--hostname", f"{self.name}@%h",
             "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--loglevel=INFO"],
            cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while "ready." not in self.log:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {self.name} did not start:\n{self.log[-3000:]}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def broker(tmp_path, transactional_db):
    """This test's own Redis; the test process (the web side) hands its jobs to it instead of running them here."""
    from lcnet_site.celery_app import app

    server = RedisServer(tmp_path).start()
    saved = app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager
    _use_broker(app, server.url, server.url, eager=False)
    try:
        yield server
    finally:
        _use_broker(app, *saved[:2], eager=saved[2])
        server.stop()


def _use_broker(app, broker_url, backend_url, eager):
    app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = broker_url, backend_url, eager
    app.conf.broker_write_url = app.conf.broker_read_url = broker_url  # filled from broker_url once a pool exists
    # the next publish opens connections to this broker (kombu keeps each broker's pool: none is closed here)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(tmp_path, broker):
    """start_worker(name, database_port=None) -> a running Worker on this test's broker and database (optionally
    through a proxy on database_port). Every worker is stopped at the end."""
    from django.db import connection

    db = connection.settings_dict
    started = []

    def start(name="w1", database_port=None):
        env = dict(os.environ, **FAST_OUTBOX)
        port = database_port or db["PORT"] or 5432
        env.update(
            DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{port}/{db['NAME']}",
            CELERY_BROKER_URL=broker.url, CELERY_RESULT_BACKEND=broker.url, CELERY_TASK_ALWAYS_EAGER="0",
            LCNET_CELERY_QUEUE=_queue(), DJANGO_SETTINGS_MODULE="lcnet_site.settings_test", CONN_MAX_AGE="0",
        )
        worker = Worker(tmp_path, name, env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _queue() -> str:
    from django.conf import settings

    return settings.CELERY_TASK_DEFAULT_QUEUE


# --- a small labeling campaign: one chip, three annotators, masks cached -----------------------------------------


@pytest.fixture
def labeling(make_chip, alice, bob, carol):
    """(chip, [alice, bob, carol]): the three assigned, every task with imagery (its data mask cached)."""
    from annotation.lib.labels import pack_mask
    from annotation.models import TaskDataMask
    from annotation.services import assignments_create

    chip = make_chip()
    TaskDataMask.objects.bulk_create(TaskDataMask(task=t, mask=pack_mask(np.ones((32, 32), bool)), n_scenes=1)
                                     for t in chip.tasks.all())
    assignments_create(chip_ids=[chip.pk], user_ids=[alice.pk, bob.pk, carol.pk])
    return chip, [alice, bob, carol]


def submit(user, task, value, revision=0):
    """A submit through the labeling API, as a browser sends it; returns the response."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    body = {"labels": np.full((32, 32), value).tolist(), "revision": revision}
    return client.post(f"/api/tasks/{task.pk}/annotation/submit/", body, format="json")


def consensus_of(task):
    """(label bytes, score bytes, method) of the task's consensus, or None."""
    from consensus.models import ConsensusLabel

    row = ConsensusLabel.objects.filter(task=task).first()
    return (bytes(row.label), bytes(row.score), row.method) if row else None
