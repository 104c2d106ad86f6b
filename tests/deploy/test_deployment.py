"""The many-machine shape on loopback: two gunicorn processes and two Celery workers, started with the command lines
of docker-compose.yml, each in its own working folder (no shared disk), sharing only Postgres, Redis and a SeaweedFS
bucket. A campaign slice runs through them — ingest (a one-off process), guess-label training on a worker, assignment
and three annotators' submits over HTTP to both web processes, consensus on the workers, export from the other web
process — and the worker that took the tile's training run is killed as it starts: nothing is lost."""
from __future__ import annotations

import io
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml
from rasterio.io import MemoryFile

from guesslabels.lib.features import MAPPINGS_DIR
from imagery.lib.domain import TASK_SIZE
from tests.conftest import REPO_ROOT
from tests.seaweedfs import free_ports
from tests.worker_wait import wait_for_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CHIP, TILE = "52UEA_08", "33TVL"


def compose_commands() -> tuple[list[str], list[str]]:
    """(web, worker) argv from docker-compose.yml, `$$` unescaped as compose does."""
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    web, worker = services["web"]["command"], services["worker"]["command"]
    web = shlex.split(web.replace("$$", "$")) if isinstance(web, str) else list(web)
    return web, list(worker)


@dataclass
class Process:
    name: str
    folder: Path
    proc: subprocess.Popen
    port: int | None = None

    @property
    def log(self) -> str:
        return (self.folder / "out.log").read_text(errors="replace")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


class Deployment:
    """Processes of one deployment: each its own folder and MEDIA_ROOT, the same database, broker, queue, bucket."""

    def __init__(self, base: Path, env: dict[str, str]):
        self.base, self.env, self.processes = base, env, []

    def start(self, name: str, argv: list[str], port: int | None = None) -> Process:
        folder = self.base / name
        (folder / "media").mkdir(parents=True)
        env = dict(self.env, MEDIA_ROOT=str(folder / "media"))
        log = open(folder / "out.log", "w")
        proc = subprocess.Popen(argv, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # its own process group: stopped (or killed) whole
        log.close()
        process = Process(name, folder, proc, port)
        self.processes.append(process)
        return process

    def one_off(self, name: str, *commands: list[str]) -> Process:
        """`python manage.py …` commands, one after the other, in a folder of their own (as `docker compose run
        web …`)."""
        manage = shlex.quote(str(REPO_ROOT / "manage.py"))
        script = " && ".join(f"python {manage} {shlex.join(args)}" for args in commands)
        return self.start(name, ["sh", "-c", script])

    def stop(self) -> None:
        for process in self.processes:  # all at once: each worker's warm shutdown takes a while
            if process.proc.poll() is None:
                os.killpg(process.proc.pid, signal.SIGTERM)
        for process in self.processes:
            process.stop()


class KillOnReceipt(threading.Thread):
    """Watches the workers' logs; the moment one has received `task`, SIGKILLs that worker's pool processes (the
    one executing it among them) and keeps that worker's log as it was at the kill."""

    def __init__(self, workers: list[Process], task: str):
        super().__init__(daemon=True)
        self.workers, self.task, self.victim, self.log_at_kill = workers, task, None, ""
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.is_set():
            for worker in self.workers:
                log = worker.log
                if f"Task {self.task}[" in log:
                    for pid in children(worker.proc.pid):
                        os.kill(pid, signal.SIGKILL)
                    self.victim, self.log_at_kill = worker, log
                    return
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()


def http(method: str, url: str, token: str, body=None, headers=None) -> tuple[int, bytes, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Token {token}", **({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def wait_until_serving(process: Process, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(process.url("/accounts/login/"), timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{process.name} did not serve:\n{process.log[-3000:]}", pytrace=False)
        time.sleep(0.3)


@pytest.fixture
def deployment(tmp_path, seaweedfs, shared_data, settings):
    from django.db import connection

    db = connection.settings_dict
    queue = f"lcnet-deploy-{os.getpid()}-{time.monotonic_ns()}"
    bucket = seaweedfs.create_bucket("lcnet-deploy")
    prefix = tmp_path.name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "LCNET_TEST", "DJANGO_"))}
    env.update(seaweedfs.env(bucket, prefix))
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # `python`, `gunicorn`, `celery`
        PYTHONPATH=str(REPO_ROOT), DJANGO_SETTINGS_MODULE="lcnet_site.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL, LCNET_CELERY_QUEUE=queue, CELERY_TASK_ALWAYS_EAGER="0",
        SECRET_KEY="lcnet-deployment-test", ALLOWED_HOSTS="127.0.0.1", DEBUG="0", CONN_MAX_AGE="0",
        LCNET_HTTPS="false",  # plain HTTP on loopback: no TLS proxy in front
        WEB_CONCURRENCY="1", LCNET_SAMPLE_DATA=str(shared_data),
    )
    deploy = Deployment(tmp_path, env)
    web_argv, worker_argv = compose_commands()
    assert web_argv[:2] == ["sh", "-c"] and "0.0.0.0:8000" in web_argv[2]
    deadline = time.monotonic() + 240
    patch = shared_data / "eolearn_testeopatch"
    killer = None
    try:
        # Ingest, then queue a guess-label run for the workers: a one-off process, while the others start.
        prepare = deploy.one_off(
            "prepare", ["ingest_chips", str(shared_data / f"landcovernet_s2_chips/{CHIP}_20180720_bands10.tif"),
                        str(patch)],
            ["train_guess_labels", "--tile", TILE, "--map", str(patch / "lulc.tif"), "--mapping",
             str(MAPPINGS_DIR / "eolearn_lulc.csv")])
        webs = []
        for i, port in enumerate(free_ports(2)):
            script = web_argv[2].replace("0.0.0.0:8000", f"127.0.0.1:{port}").replace(
                "manage.py", str(REPO_ROOT / "manage.py"))  # the image's WORKDIR holds the code; here PYTHONPATH
            webs.append(deploy.start(f"web{i}", ["sh", "-c", script], port))
        workers = [deploy.start(f"worker{i}", [*worker_argv, f"--hostname=worker{i}@127.0.0.1"]) for i in range(2)]
        for web in webs:
            wait_until_serving(web, deadline)
        for worker in workers:
            while "ready." not in worker.log:
                if worker.proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{worker.name} did not start:\n{worker.log[-3000:]}", pytrace=False)
                time.sleep(0.3)
        killer = KillOnReceipt(workers, "outbox.run")  # the first job: the run queued above
        killer.start()
        assert prepare.proc.wait(timeout=max(deadline - time.monotonic(), 1)) == 0, prepare.log
        yield deploy, webs, workers, killer, (seaweedfs, bucket, prefix)
    finally:
        if killer:
            killer.stop()
        deploy.stop()


def test_a_campaign_slice_runs_on_processes_sharing_only_postgres_redis_and_s3_and_survives_a_killed_worker(
    deployment, shared_data, alice, bob, carol, erin, admin_user
):
    from rest_framework.authtoken.models import Token

    from annotation.services import reference_task_add
    from consensus.models import ConsensusLabel
    from annotation.lib.labels import labels_from_bytes
    from guesslabels.models import GuessLabel, RunStatus, TrainingRun
    from imagery.models import Chip, Task

    deploy, (web_a, web_b), workers, killer, (server, bucket, prefix) = deployment
    tokens = {u.username: Token.objects.create(user=u).key for u in (alice, bob, carol, erin, admin_user)}

    # The one-off process ingested the chips into the bucket and queued the tile's guess-label run.
    keys = server.keys(bucket, prefix + "/")
    assert any(k.startswith(f"{prefix}/scenes/52UEA/{CHIP}/") for k in keys)
    from guesslabels.models import LandCoverMap

    assert f"{prefix}/{LandCoverMap.objects.get().files[0]}" in keys

    # The worker that took the run was killed as it began (its pool processes, SIGKILL): the run is not lost.
    wait_for_worker(lambda: killer.victim, "take the run", 120)
    assert "succeeded" not in killer.log_at_kill.split("Task outbox.run[", 1)[1], "killed too late"
    run = TrainingRun.objects.get()

    # Meanwhile the campaign goes on: assignment and submits over HTTP, to both web processes.
    status, body, _ = http("POST", web_a.url("/api/admin/assignments/"), tokens["admin"],
                           {"chips": [CHIP, f"{TILE}_00"], "users": [alice.pk, bob.pk, carol.pk]})
    assert status == 201, body
    chip = Chip.objects.get(id=CHIP)
    tasks = list(Task.objects.filter(chip=chip, row=2, col__in=[4, 5, 6]).order_by("col"))
    reference_task_add(task_id=tasks[0].pk, expert=erin)
    truth = np.full((TASK_SIZE, TASK_SIZE), 5, np.uint8)
    truth[:, TASK_SIZE // 2:] = 6
    answers = {"erin": truth, "alice": truth, "bob": truth, "carol": np.full_like(truth, 7)}
    status, body, _ = http("POST", web_b.url(f"/api/tasks/{tasks[0].pk}/annotation/submit/"), tokens["erin"],
                           {"labels": truth.tolist(), "revision": 0})
    assert status == 200, body
    for i, task in enumerate(tasks):
        for j, user in enumerate((alice, bob, carol)):
            web = (web_a, web_b)[(i + j) % 2]
            status, body, _ = http("POST", web.url(f"/api/tasks/{task.pk}/annotation/submit/"),
                                   tokens[user.username], {"labels": answers[user.username].tolist(), "revision": 0})
            assert status == 200, body

    # Consensus on the workers, for every task.
    for task in tasks:
        row = wait_for_worker(lambda: ConsensusLabel.objects.filter(task=task).first(), f"merge task {task.pk}", 90)
        np.testing.assert_array_equal(labels_from_bytes(row.label), truth)

    # The killed run was run again to the end by a worker: one run, done, its guess on S3 and served over HTTP.
    run = wait_for_worker(lambda: TrainingRun.objects.filter(pk=run.pk, status=RunStatus.DONE).first(),
                          "finish the interrupted run", 120)
    assert TrainingRun.objects.count() == 1
    guess = GuessLabel.objects.get(chip_id=f"{TILE}_00")
    assert f"{prefix}/{guess.file.name}" in server.keys(bucket, prefix + "/")
    task33 = Task.objects.get(chip_id=f"{TILE}_00", row=1, col=2)
    status, body, _ = http("GET", web_b.url(f"/api/tasks/{task33.pk}/guess/"), tokens["alice"])
    assert status == 200, body
    with MemoryFile(server.client().get_object(Bucket=bucket, Key=f"{prefix}/{guess.file.name}")["Body"].read()) as m:
        with m.open() as src:
            np.testing.assert_array_equal(np.array(json.loads(body)["labels"]), src.read(1)[32:64, 64:96])
    status, body, headers = http("GET", web_a.url(f"/api/tasks/{task33.pk}/layers/rgb.png?scene=0&context=32"),
                                 tokens["bob"])
    assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n", body[:200]

    # Export from the other web process: labels.tif and the dataset zip hold the workers' consensus.
    status, body, _ = http("GET", web_b.url(f"/api/export/chips/{CHIP}/labels.tif?partial=1"), tokens["admin"])
    assert status == 200, body
    with MemoryFile(body) as mem, mem.open() as src:
        band1 = src.read(1)
    for task in tasks:
        r, c, h, w = task.window
        np.testing.assert_array_equal(band1[r:r + h, c:c + w], truth)
    status, body, _ = http("GET", web_a.url("/api/export/dataset.zip?partial=1"), tokens["admin"])
    assert status == 200
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert any(CHIP in n and n.endswith("labels.tif") for n in names), names

    # No process wrote a file of its own: everything is in the bucket.
    for process in deploy.processes:
        assert not any((process.folder / "media").iterdir()), process.name
