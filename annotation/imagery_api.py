"""Task imagery API: scene list, layer PNGs (immutable, ETag + 304), one pixel's annual series."""

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import quote_etag
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.access import access_task
from imagery.layer_selectors import LayerImage, layer_image, pixel_series_payload, scenes_payload
from imagery.lib.domain import TASK_SIZE
from annotation.imagery_serializers import ContextQuery, LayerQuery, ScenesOut, SeriesOut
from lcnet_site.http_cache import IMMUTABLE, not_modified

def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _with_cache_headers(response: HttpResponse, image: LayerImage) -> HttpResponse:
    response["ETag"] = quote_etag(image.etag)
    response["Cache-Control"] = IMMUTABLE
    response["X-Task-Box"] = image.task_box_header
    return response


class TaskScenesView(APIView):
    @extend_schema(parameters=[ContextQuery], responses=ScenesOut)
    def get(self, request, task_id: int):
        task = access_task(request.user, task_id)
        return Response(scenes_payload(task, **_query(ContextQuery, request)))


class TaskLayerView(APIView):
    @extend_schema(parameters=[LayerQuery], responses={(200, "image/png"): bytes}, operation_id="task_layer_png")
    def get(self, request, task_id: int, layer: str):
        image = layer_image(access_task(request.user, task_id), layer, **_query(LayerQuery, request))
        if not_modified(request, image.etag):
            return _with_cache_headers(HttpResponseNotModified(), image)
        return _with_cache_headers(HttpResponse(image.png(), content_type="image/png"), image)


class PixelSeriesView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter(name, {"type": "integer", "minimum": 0, "maximum": TASK_SIZE - 1}, "path",
                                     description=f"0–{TASK_SIZE - 1} inside the task") for name in ("row", "col")],
        responses=SeriesOut,
    )
    def get(self, request, task_id: int, row: int, col: int):
        task = access_task(request.user, task_id)
        return Response(pixel_series_payload(task, row, col))
