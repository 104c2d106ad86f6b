"""Serialize work on one object across workers: a Postgres transaction-level advisory lock (other databases — the
SQLite demo — serialize writers themselves)."""
import hashlib
from contextlib import contextmanager

from django.db import connection, transaction


def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def advisory_lock(name: str):
    """One holder of `name` at a time; the body runs in a transaction that holds the lock until it ends."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(name)])
        yield
