"""Readiness and database outages.

`/healthz` answers 200 when this process can reach its database and 503 (with Retry-After) when it cannot; it
reports the broker too, without failing on it: a web process without a broker still serves the labeling page.
A request that meets a database outage (Django's OperationalError or InterfaceError: connection refused or cut)
answers a 503 with Retry-After — the API's JSON error body under /api/ — instead of an HTML 500: nothing it meant
to write was committed, so the client may simply try again.
"""
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.http import JsonResponse

from lcnet_site.errors import AppError
from lcnet_site.request_guard import error_response

RETRY_AFTER_S = 5
log = logging.getLogger(__name__)


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except (OperationalError, InterfaceError):
        connection.close()  # the next request connects afresh
        return "unavailable"


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from lcnet_site.celery_app import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
        return "ok"
    except Exception:  # kombu raises the transport's own errors (OperationalError, OSError, ...)
        return "unavailable"


def healthz(request):
    database = database_state()
    ready = database == "ok"
    response = JsonResponse({"status": "ok" if ready else "unavailable", "database": database,
                             "broker": broker_state()}, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class DatabaseOutageMiddleware:
    """A view (DRF's included: its handler leaves these errors alone) that raised a database outage → 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not isinstance(exc, (OperationalError, InterfaceError)):
            return None
        log.warning("database unavailable during %s %s: %s", request.method, request.path, exc)
        for conn in connections.all(initialized_only=True):
            conn.close()  # a cut connection is not reused: the next request connects afresh
        response = error_response(request, AppError(
            "the database is unavailable; try again shortly", code="database_unavailable", status=503,
            extra={"retry_after": RETRY_AFTER_S}))
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
