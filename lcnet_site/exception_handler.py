"""The API's one exception handler: AppError becomes a JSON answer; everything else is DRF's.

lcnet_site.request_guard answers the requests it refuses before any view with the same body (app_error_body).
"""
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lcnet_site.errors import AppError, NotFound


def app_error_body(exc: AppError) -> dict:
    detail = exc.worded()
    body = {"code": exc.code, "detail": detail, **exc.extra}
    if exc.field:
        body["field"] = exc.field
        body[exc.field] = [detail]  # DRF's validation shape, which clients already read
    return body


def exception_handler(exc, context):
    if isinstance(exc, AppError):
        return Response(app_error_body(exc), status=exc.status)
    return drf_exception_handler(exc, context)


def not_found(request, exception):
    """handler404: under /api/ an unknown address gets the API's JSON body, not Django's HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(app_error_body(NotFound("No such API address.")), status=404)
    return page_not_found(request, exception)
