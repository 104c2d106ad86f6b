"""The caller's notes on a task besides its labels: flag + comment and active time (annotation.models.TaskWork),
and their labels over the whole chip as a picture for the page's overview. Same access as the annotation."""
import numpy as np
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from imagery.lib.domain import CLASS_COLORS
from imagery.lib.render import encode_png

from annotation import selectors, services
from annotation.access import access_label_target
from annotation.api import CONFLICT
from annotation.serializers import FlagIn, TimeIn, WorkOut

BAD_INPUT = {400: OpenApiResponse(description="bad input: nothing was stored")}
PALETTE = np.array([CLASS_COLORS[k] for k in sorted(CLASS_COLORS)], dtype=np.uint8)


class TaskWorkView(APIView):
    @extend_schema(responses={200: WorkOut})
    def get(self, request, task_id):
        target = access_label_target(request.user, task_id)
        return Response(WorkOut(services.task_work_get(user=request.user, target=target)).data)


def _body(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


class TaskFlagView(APIView):
    @extend_schema(request=FlagIn, responses={200: WorkOut, **BAD_INPUT, **CONFLICT})
    def put(self, request, task_id):
        target = access_label_target(request.user, task_id)
        body = _body(request)
        if "reason" not in body:  # an empty PUT must not clear a flag by accident: null says so
            raise ValidationError({"reason": "required: a reason, or null to clear the flag"})
        work = services.task_flag_set(user=request.user, target=target, reason=body["reason"],
                                      comment=body.get("comment", ""))
        return Response(WorkOut(work).data)


class TaskTimeView(APIView):
    @extend_schema(request=TimeIn, responses={200: WorkOut, **BAD_INPUT, **CONFLICT})
    def post(self, request, task_id):
        target = access_label_target(request.user, task_id)
        work = services.task_time_add(user=request.user, target=target, seconds=_body(request).get("seconds"))
        return Response(WorkOut(work).data)


class ChipLabelsView(APIView):
    """The caller's own saved labels (drafts and submitted) over the task's chip, transparent where none."""

    @extend_schema(responses={(200, "image/png"): bytes}, operation_id="task_chip_labels_png")
    def get(self, request, task_id):
        target = access_label_target(request.user, task_id)
        chip = selectors.chip_labels_of(request.user, chip_id=target.chip_id, kind=target.kind)
        response = HttpResponse(encode_png(PALETTE[chip]), content_type="image/png")
        response["Cache-Control"] = "private, no-cache"
        return response

