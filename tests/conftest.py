"""Shared fixtures: real sample data, users per role, and a real Celery worker on Redis."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.result import allow_join_result

from lcnet_site.sample_data import SampleDataMissing, shared_data_dir

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _clean_test_media():
    """Remove this run's media folder at the end (files written through the storage API)."""
    yield
    import shutil

    from django.conf import settings

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    try:
        return shared_data_dir()
    except SampleDataMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def make_user(db, django_user_model):
    """make_user("alice", "annotator") -> a user in that role (password = username)."""
    from django.contrib.auth.models import Group

    def make(username, *roles, **extra):
        user = django_user_model.objects.create_user(username=username, password=username, **extra)
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def make_chip(db):
    """make_chip("32NLP_00") -> a chip row with its 64 tasks (no imagery), for tests of labels and consensus."""
    from imagery.lib.domain import TASKS_PER_SIDE
    from imagery.models import Chip, Task, Tile

    def make(chip_id="32NLP_00", tile_id=None):
        tile, _ = Tile.objects.get_or_create(id=tile_id or chip_id.split("_")[0], defaults={"epsg": 32632})
        chip = Chip.objects.create(
            id=chip_id, tile=tile, epsg=32632, transform=[10, 0, 500000, 0, -10, 100000],
            bounds=[500000, 97440, 502560, 100000],
        )
        Task.objects.bulk_create(
            Task(chip=chip, row=r, col=c) for r in range(TASKS_PER_SIDE) for c in range(TASKS_PER_SIDE)
        )
        return chip

    return make


@pytest.fixture
def api():
    """api(user) -> a DRF client authenticated by a real token (api(None): anonymous)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return make


@pytest.fixture
def assign(db):
    """assign(chip, *users): the users become the chip's annotators, through the annotation service."""
    from annotation.services import assignments_create

    def do(chip, *users):
        return assignments_create(chip_ids=[chip.pk], user_ids=[u.pk for u in users])

    return do


@pytest.fixture
def alice(make_user):
    return make_user("alice", "annotator")


@pytest.fixture
def bob(make_user):
    return make_user("bob", "annotator")


@pytest.fixture
def carol(make_user):
    return make_user("carol", "annotator")


@pytest.fixture
def erin(make_user):
    return make_user("erin", "expert")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", "admin", is_staff=True)


# Eager tasks run from several threads at once (live server, concurrency tests) can leave Celery's process-global
# "inside a task" flag set (denied_join_result is not thread-safe): result.get() then raises. allow_join_result clears
# it around the worker's use.
@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker):
    """One real `celery worker` subprocess for the session, on the test database and this run's queue."""
    from django.conf import settings
    from django.db import connection

    from lcnet_site.celery_app import app

    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_TASK_ALWAYS_EAGER="0",
        LCNET_CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
        DJANGO_SETTINGS_MODULE="lcnet_site.settings_test",
        CONN_MAX_AGE="0",
    )
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    log = open(media.parent / f"celery-worker-{media.name}.log", "w")  # one per pytest process (xdist workers)
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lcnet_site", "worker", "--pool=solo", "--concurrency=1",
         "--without-gossip", "--without-mingle", "--purge", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
         "--loglevel=INFO"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while True:  # ready when a ping task makes the round trip
            try:
                with allow_join_result():
                    assert app.send_task("lcnet.ping", args=["ready"]).get(timeout=5) == "ready"
                break
            except Exception as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Celery worker did not start ({exc!r}); see {log.name}") from exc
                time.sleep(0.2)
        yield proc
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def celery_worker(_celery_worker_process, transactional_db):
    """A live worker; tasks sent during the test leave this process (needs committed data)."""
    from lcnet_site.celery_app import app

    app.conf.task_always_eager = False
    with allow_join_result():
        yield _celery_worker_process
    app.conf.task_always_eager = True


# --- S3: a real SeaweedFS on loopback (tests/seaweedfs.py) ------------------------------------------------------


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """One SeaweedFS server (master, volume, filer, S3 gateway) for the session, on free loopback ports."""
    from tests.seaweedfs import SeaweedFS

    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_storage(seaweedfs, settings):
    """This test's storage is a fresh prefix of a SeaweedFS bucket, through the settings' own S3 block
    (lcnet_site.storage.s3_storage): django-storages writes there and rasterio reads there by ranges.
    Yields (server, bucket, prefix); `keys()` lists what the test stored."""
    import uuid
    from types import SimpleNamespace

    from imagery.layer_cache import clear_caches
    from lcnet_site.storage import s3_storage
    from tests.seaweedfs import ACCESS_KEY, REGION, SECRET_KEY

    bucket, prefix = seaweedfs.create_bucket("lcnet-tests"), f"t-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(
        bucket, prefix=prefix, region=REGION, endpoint_url=seaweedfs.endpoint_url, access_key=ACCESS_KEY,
        secret_key=SECRET_KEY)}
    clear_caches()
    yield SimpleNamespace(server=seaweedfs, bucket=bucket, prefix=prefix,
                          keys=lambda: [k.removeprefix(prefix + "/") for k in seaweedfs.keys(bucket, prefix + "/")])
    clear_caches()
