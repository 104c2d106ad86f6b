"""Requests refused before any view runs, each answered like an AppError (a JSON body under /api/):

- a NUL byte in the path or the query string: Postgres cannot hold one in a string, so any lookup with it would be a
  500 (`ValueError` from the driver) — 400 for the whole site, in one place instead of every view and filter;
- an API body larger than settings.LCNET_API_MAX_BODY_BYTES (a real save is ~2.2 KB): 413, read from the
  Content-Length header, before a byte of the body is read or parsed.
"""
from django.conf import settings
from django.http import HttpResponse, JsonResponse

from lcnet_site.errors import AppError
from lcnet_site.exception_handler import app_error_body


def error_response(request, exc: AppError) -> HttpResponse:
    """An AppError answered outside DRF: the handler's JSON body under /api/, plain text elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(app_error_body(exc), status=exc.status)
    return HttpResponse(exc.worded(), status=exc.status, content_type="text/plain; charset=utf-8")


def _refusal(request) -> AppError | None:
    if "\x00" in request.path_info or any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in vs):
        return AppError("the address holds a NUL byte", code="nul_byte")
    if request.path_info.startswith("/api/"):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        if not (raw.isascii() and raw.isdigit()):
            return AppError("Content-Length is not a number of bytes", code="bad_content_length")
        limit = settings.LCNET_API_MAX_BODY_BYTES
        if int(raw) > limit:
            return AppError(f"the body is larger than {limit} bytes", code="too_large", status=413,
                            extra={"limit": limit})
    return None


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = _refusal(request)
        return error_response(request, refused) if refused else self.get_response(request)
