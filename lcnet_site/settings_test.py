"""Test settings: the real Postgres and Redis of this machine unless the environment says otherwise."""
import os

# Several test runs may share this machine (and its Postgres). Each pytest run has one id, inherited by the
# processes it starts (xdist workers, the Celery worker subprocess); each xdist worker then adds its own id, so that
# `pytest -n 2` gives every worker its own database, media folder and queue (subprocesses inherit the worker id too).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
_run = f"{os.environ.setdefault('LCNET_TEST_RUN', str(os.getpid()))}_{_worker}"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lcnet")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
# Tasks run inline unless a test asks for the real worker (fixture `celery_worker`).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# Production settings refuse to start without a secret and redirect plain HTTP: the test client and the tests' own
# servers (live server, gunicorn) speak plain HTTP on loopback. tests/test_site.py checks the production defaults.
os.environ.setdefault("SECRET_KEY", "lcnet-tests-only-not-a-secret")
os.environ.setdefault("LCNET_HTTPS", "false")

from lcnet_site.settings import *  # noqa: E402,F401,F403
from lcnet_site.settings import BASE_DIR, env  # noqa: E402

# One queue per pytest process so parallel runs never steal each other's tasks (not written to the environment:
# xdist workers would inherit the controller's).
CELERY_TASK_DEFAULT_QUEUE = env("LCNET_CELERY_QUEUE", default=f"lcnet-test-{_run}")
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("LCNET_TEST_DB", f"test_lcnet_{_run}")}  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".test-media" / _run
if not LCNET_S3_BUCKET:  # noqa: F405  (tests/s3 switch single tests onto a SeaweedFS bucket)
    STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
# The API throttle counts per process across tests (one address, recycled user ids): off unless a test sets a rate
# (tests/test_hardening.py).
LCNET_API_THROTTLE_USER = env("LCNET_API_THROTTLE_USER", default="0")
LCNET_API_THROTTLE_ANON = env("LCNET_API_THROTTLE_ANON", default="0")
# Progress counted on every call (the cache lives across tests); tests/export/test_stats.py sets an age.
LCNET_PROGRESS_MAX_AGE_S = env.int("LCNET_PROGRESS_MAX_AGE_S", default=0)
