"""Serialize work on one object across workers: a Postgres transaction-level advisory lock (other databases — the
SQLite demo — serialize writers themselves)."""
import hashlib
from contextlib import contextmanager

from django.db import connection, transaction


def lock_id(name: str) -> int:
    """The 64-bit Postgres advisory-lock key of `name` (a tool holding the same lock from its own session uses it)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def advisory_lock(name: str):
    """One holder of `name` at a time; the body runs in a transaction that holds the lock until it ends."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id(name)])
        yield
