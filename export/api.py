"""Export and dataset-figure API: thin views over export_selectors, export_files and stats_selectors."""
import json

from django.core.cache import cache
from django.http import FileResponse, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from imagery.lib.geo import TILE_ID_INPUT_PATTERN, GeoError, parse_tile_id
from lcnet_site.http_cache import IMMUTABLE, not_modified
from lcnet_site.errors import NotFound
from lcnet_site.roles import is_admin

from export import files as export_files, scenes as export_scenes
from export.lib import stats as stats_core
from export.lib.ranges import Unsatisfiable, parse_range
from export.access import CanExport, IsLcnetAdmin
from export.selectors import ExportFilters, chip_export, export_run, exportable_chips, get_chip
from export.stats_selectors import dataset_stats, progress, summaries_version

FILTER_PARAMS = [
    OpenApiParameter("tile", {"type": "string", "pattern": TILE_ID_INPUT_PATTERN},
                     description="MGRS tile id, e.g. 32NLP"),
    OpenApiParameter("min_score_pct", {"type": "number", "minimum": 0, "maximum": 100},
                     description="minimum mean consensus score of the chip, percent 0–100"),
    OpenApiParameter("partial", bool, description="include chips whose consensus is not complete (rest no data)"),
]


class FiltersIn(serializers.Serializer):
    tile = serializers.CharField(required=False, max_length=8)
    min_score_pct = serializers.FloatField(required=False, min_value=0, max_value=100)
    partial = serializers.BooleanField(required=False, default=False)

    def validate_tile(self, value):
        try:
            return parse_tile_id(value)
        except GeoError as exc:
            raise serializers.ValidationError(str(exc)) from None


def parse_filters(params, *, allowed=("tile", "min_score_pct", "partial"), extra=()) -> ExportFilters:
    """Query parameters as ExportFilters; unknown or malformed parameters are a 400 naming them."""
    unknown = sorted(set(params) - set(allowed) - set(extra))
    if unknown:
        raise ValidationError({name: f"unknown parameter; allowed: {', '.join(allowed)}" for name in unknown})
    data = FiltersIn(data={k: params[k] for k in allowed if k in params})
    data.is_valid(raise_exception=True)
    return ExportFilters(**data.validated_data)


class FileNegotiation(BaseContentNegotiation):
    """File downloads answer whatever the client accepts (curl, GDAL, `Accept: image/tiff`): the view picks the
    content type; the first renderer (JSON) only serves error bodies."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def file_response(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def load_chip(request, chip_id, **kw):
    filters = parse_filters(request.query_params, allowed=("partial",))
    return chip_export(get_chip(chip_id), partial=filters.partial, run=export_run(), **kw)


class ExportChipOut(serializers.Serializer):
    id = serializers.CharField()
    tile = serializers.CharField(source="tile_id")
    n_tasks = serializers.IntegerField()
    n_done = serializers.IntegerField()
    complete = serializers.SerializerMethodField()
    mean_score_pct = serializers.SerializerMethodField(help_text="percent, mean of the tasks' mean scores")

    def get_complete(self, chip) -> bool:
        return chip.n_done == chip.n_tasks

    def get_mean_score_pct(self, chip) -> float | None:
        return None if chip.mean_score is None else round(100 * chip.mean_score, 2)


class ExportChips(generics.ListAPIView):
    permission_classes = [CanExport]
    serializer_class = ExportChipOut

    @extend_schema(parameters=FILTER_PARAMS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return exportable_chips(parse_filters(self.request.query_params, extra=("page",)), export_run())


CHIP_PARAMS = [FILTER_PARAMS[2]]


class ChipLabelsTif(APIView):
    permission_classes = [CanExport]
    content_negotiation_class = FileNegotiation

    @extend_schema(parameters=CHIP_PARAMS, responses={(200, "image/tiff"): OpenApiTypes.BINARY})
    def get(self, request, chip_id):
        ex = load_chip(request, chip_id)
        return file_response(export_files.chip_tif(ex), "image/tiff", f"{ex.chip.id}_labels.tif")


class ChipConfidenceTif(APIView):
    """The calibrated probability that each pixel's label is right, uint8 percent (255: no label); 404 while the
    exported run has no calibration (too few reference tasks)."""

    permission_classes = [CanExport]
    content_negotiation_class = FileNegotiation

    @extend_schema(parameters=CHIP_PARAMS, responses={(200, "image/tiff"): OpenApiTypes.BINARY})
    def get(self, request, chip_id):
        ex = load_chip(request, chip_id)
        data = export_files.chip_confidence_tif(ex)
        if data is None:
            raise NotFound("The exported consensus run has no calibrated confidence yet (too few reference tasks).")
        return file_response(data, "image/tiff", f"{ex.chip.id}_confidence.tif")


class ChipSourceDates(APIView):
    permission_classes = [CanExport]
    content_negotiation_class = FileNegotiation

    @extend_schema(parameters=CHIP_PARAMS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, chip_id):
        ex = load_chip(request, chip_id)
        return file_response(export_files.chip_source_dates(ex), "text/csv", f"{ex.chip.id}_source_dates.csv")


class ChipStac(APIView):
    permission_classes = [CanExport]

    @extend_schema(parameters=CHIP_PARAMS, responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request, chip_id):
        ex = load_chip(request, chip_id)
        item = export_files.chip_stac(ex, base=export_scenes.base_url(request))
        return HttpResponse(json.dumps(item), content_type="application/json")


class ChipLabelsJson(APIView):
    permission_classes = [CanExport]

    @extend_schema(parameters=CHIP_PARAMS, responses={(200, "application/json"): OpenApiTypes.OBJECT})
    def get(self, request, chip_id):
        admin = is_admin(request.user)
        ex = load_chip(request, chip_id, with_annotators=admin)
        return Response(export_files.chip_json(ex, with_annotators=admin))


def ranged_file_response(request, stored, *, etag: str, content_type: str, filename: str) -> HttpResponse:
    """The whole file streamed (FileResponse), or the one byte range asked for (206) while If-Range still matches.
    `stored` is an imagery.stored_files.StoredFile: a range reads just those bytes from storage."""
    size = stored.size
    try:
        stale = request.headers.get("If-Range", etag) != etag
        span = None if stale else parse_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if span is None:
        return FileResponse(stored.open(), content_type=content_type, as_attachment=True, filename=filename)
    start, stop = span  # ranges are blocks of one scene (≤ a few MB): read, not streamed
    response = HttpResponse(stored.read_range(start, stop), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    return response


class ChipSceneTif(APIView):
    """A chip's scene COG (12 bands, see imagery.lib.domain), where the exported STAC `source` links point; byte
    ranges let GDAL open it by URL (/vsicurl/) and read only the blocks it needs."""

    permission_classes = [CanExport]
    content_negotiation_class = FileNegotiation

    @extend_schema(operation_id="export_chip_scene_tif", responses={
        (200, "image/tiff"): OpenApiTypes.BINARY, (206, "image/tiff"): OpenApiTypes.BINARY, 304: None, 416: None,
    })
    def get(self, request, chip_id, day):
        scene = export_scenes.scene_for_download(chip_id, day)
        etag = quote_etag(export_scenes.scene_etag(scene))
        if not_modified(request, etag):
            response = HttpResponseNotModified()
        else:
            response = ranged_file_response(request, export_scenes.open_scene(scene), etag=etag,
                                            content_type="image/tiff", filename=f"{scene.chip_id}_{scene.date}.tif")
        response["ETag"], response["Cache-Control"], response["Accept-Ranges"] = etag, IMMUTABLE, "bytes"
        return response


class DatasetZip(APIView):
    permission_classes = [CanExport]
    content_negotiation_class = FileNegotiation

    @extend_schema(parameters=FILTER_PARAMS, responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        filters = parse_filters(request.query_params)
        chunks = export_files.dataset_zip_chunks(filters, export_scenes.base_url(request))
        response = StreamingHttpResponse(chunks, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export_files.collection_id()}.zip"'
        return response


STATS_PARAMS = [FILTER_PARAMS[0]]


def load_stats(request):
    return dataset_stats(tile=parse_filters(request.query_params, allowed=("tile",)).tile)


class StatsClasses(APIView):
    permission_classes = [IsLcnetAdmin]

    @extend_schema(parameters=STATS_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"classes": load_stats(request).classes()})


class StatsScores(APIView):
    permission_classes = [IsLcnetAdmin]

    @extend_schema(parameters=STATS_PARAMS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(load_stats(request).scores())


def figure_png(request, draw) -> HttpResponse:
    """A figure drawn once per state of the chip summaries (drawing costs more than summing them), per process."""
    tile = parse_filters(request.query_params, allowed=("tile",)).tile
    png = cache.get_or_set(f"lcnet:figure:{draw.__name__}:{summaries_version(tile=tile)}",
                           lambda: draw(dataset_stats(tile=tile)), 3600)
    return HttpResponse(png, content_type="image/png")


class StatsClassesPng(APIView):
    permission_classes = [IsLcnetAdmin]

    @extend_schema(parameters=STATS_PARAMS, responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request):
        return figure_png(request, _classes_png)


class StatsScoresPng(APIView):
    permission_classes = [IsLcnetAdmin]

    @extend_schema(parameters=STATS_PARAMS, responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request):
        return figure_png(request, _scores_png)


def _classes_png(stats) -> bytes:
    return stats_core.classes_png(stats.classes())


def _scores_png(stats) -> bytes:
    return stats_core.scores_png(stats.scores())


class StatsProgress(APIView):
    permission_classes = [IsLcnetAdmin]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(progress())
