"""Waiting on the real Celery worker (fixture `celery_worker`) without sleeping longer than needed."""
import time

import pytest


def wait_for_worker(condition, what: str, seconds: float = 60):
    """Poll `condition()` until it returns something truthy (returned); fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    pytest.fail(f"the worker did not {what} within {seconds} s (see .test-media/celery-worker-*.log)")
