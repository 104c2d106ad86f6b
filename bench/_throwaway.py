"""A throw-away database and media folder for a benchmark, so it never touches real data."""
import os
import shutil
import tempfile
from contextlib import contextmanager


@contextmanager
def throwaway_django(name: str):
    """Set Django up on a fresh test database and an empty media folder; drop both afterwards.

    Yields (database name, media folder). DJANGO_SETTINGS_MODULE must be set by the caller."""
    import django
    from django.conf import settings

    media = tempfile.mkdtemp(prefix=f"lcnet-bench-{name}-")
    django.setup()
    settings.STORAGES["default"]["OPTIONS"]["location"] = media
    settings.MEDIA_ROOT = media
    from django.core.files.storage import default_storage, storages
    from django.utils.functional import empty

    storages._storages.clear()  # a second throw-away in the same process must not write into the first's folder
    default_storage._wrapped = empty
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"lcnet_bench_{name}_{os.getpid()}"
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield db_name, media
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(media, ignore_errors=True)
