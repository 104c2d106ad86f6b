"""Real threads racing on Postgres: each with its own database connection, released at the same moment."""
from __future__ import annotations

import threading
from typing import Callable

from django.db import connection


def at_once(n: int, work: Callable[[int, Callable[[], None]], object], *, timeout: float = 30) -> list:
    """Run work(i, go) in n threads and return their results in order. Each thread does what it must beforehand,
    then calls go() (a barrier: all n leave it together) and races; its own database connection is closed after."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            results[i] = work(i, lambda: barrier.wait(timeout=timeout))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=2 * timeout)
    return results
