"""Test settings: the real Postgres and Redis of this machine unless the environment says otherwise."""
import os

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lcnet")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
# Tasks run inline unless a test asks for the real worker (fixture `celery_worker`).
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# One queue per pytest process so parallel runs never steal each other's tasks.
os.environ.setdefault("LCNET_CELERY_QUEUE", f"lcnet-test-{os.getpid()}-{_worker}")

from lcnet_site.settings import *  # noqa: E402,F401,F403
from lcnet_site.settings import BASE_DIR  # noqa: E402

# Several test runs may share this machine (and its Postgres): each gets its own database and media folder.
_run = os.environ.setdefault("LCNET_TEST_RUN", f"{os.getpid()}_{_worker}")  # inherited by the test worker
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("LCNET_TEST_DB", f"test_lcnet_{_run}")}  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".test-media" / _run
STORAGES["default"]["OPTIONS"]["location"] = MEDIA_ROOT  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test users
