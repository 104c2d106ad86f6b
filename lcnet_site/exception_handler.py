"""The API's one exception handler: AppError becomes a JSON answer; everything else is DRF's."""
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lcnet_site.errors import AppError


def exception_handler(exc, context):
    if isinstance(exc, AppError):
        detail = exc.worded()
        body = {"code": exc.code, "detail": detail, **exc.extra}
        if exc.field:
            body["field"] = exc.field
            body[exc.field] = [detail]  # DRF's validation shape, which clients already read
        return Response(body, status=exc.status)
    return drf_exception_handler(exc, context)
