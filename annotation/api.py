"""Labeling API: thin views over access, selectors and services."""
from functools import partial

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from lcnet_site.paging import KnownCountPaginator
from lcnet_site.roles import is_admin

from annotation import selectors, services
from annotation.access import access_label_target
from annotation.models import Status
from annotation.serializers import (
    AssignmentOut,
    AssignmentsIn,
    ConflictOut,
    LabelsIn,
    LabelsOut,
    MyTaskOut,
    SavedOut,
    labels_body,
)

CONFLICT = {409: OpenApiResponse(ConflictOut, description="stale revision (with the current one) or frozen chip")}


class MyTasksPages(PageNumberPagination):
    """`?page_size=` 1–1000 (default: the site's PAGE_SIZE); anything else is a 400, not silently the default. The
    count comes from the view's `known_count()` where it has one (the annotator's counters), else is counted."""

    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = partial(KnownCountPaginator, known_count=view.known_count() if view else None)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({"page_size": f"an integer from 1 to {self.max_page_size}"})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"].update(minimum=1, maximum=self.max_page_size)
            if param["name"] == self.page_query_param:
                param["schema"].update(minimum=1)
        return params


class MyTasks(generics.ListAPIView):
    serializer_class = MyTaskOut
    pagination_class = MyTasksPages

    @extend_schema(parameters=[OpenApiParameter("chip", str), OpenApiParameter("status", enum=Status.values)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        status_ = self.request.query_params.get("status")
        if status_ and status_ not in Status.values:
            raise ValidationError({"status": f"one of {', '.join(Status.values)}"})
        return selectors.my_tasks(self.request.user, chip_id=self.request.query_params.get("chip"), status=status_)

    def known_count(self) -> int | None:
        return selectors.my_tasks_count(self.request.user, chip_id=self.request.query_params.get("chip"),
                                        status=self.request.query_params.get("status"))


class MyExtraTasks(APIView):
    """Tasks given to the caller alone, beyond their chips (a weak consensus: docs/consensus.md, "Policies"), with
    the status of their own annotation of each (null: not started). Label them at tasks/<id>/annotation/."""

    @extend_schema(responses={200: OpenApiResponse(description="[{task, chip, row, col, status}]")})
    def get(self, request):
        return Response(selectors.my_extra_tasks(request.user))


class NextTask(APIView):
    @extend_schema(responses={200: MyTaskOut, 204: OpenApiResponse(description="nothing left to label")})
    def get(self, request):
        task = selectors.next_task(request.user)
        return Response(MyTaskOut(task).data) if task else Response(status=status.HTTP_204_NO_CONTENT)


class TaskAnnotation(APIView):
    @extend_schema(responses={200: LabelsOut})
    def get(self, request, task_id):
        target = access_label_target(request.user, task_id)
        return Response(LabelsOut(selectors.label_current(target)).data)

    @extend_schema(request=LabelsIn, responses={200: SavedOut, **CONFLICT})
    def put(self, request, task_id):
        return _save(request, task_id, submit=False)


class TaskAnnotationSubmit(APIView):
    @extend_schema(request=LabelsIn, responses={200: SavedOut, **CONFLICT})
    def post(self, request, task_id):
        return _save(request, task_id, submit=True)


def _save(request, task_id, *, submit):
    target = access_label_target(request.user, task_id)  # 404 before any validation: reveal nothing
    body = labels_body(request.data)
    saved = services.label_save(user=request.user, target=target, submit=submit, **body)
    return Response({"task": saved.task_id, "revision": saved.revision, "status": saved.status,
                     "differ_from_guess": saved.differ_from_guess})  # the SavedOut shape


class AdminAssignments(APIView):
    @extend_schema(request=AssignmentsIn, responses={201: AssignmentOut(many=True)})
    def post(self, request):
        if not is_admin(request.user):
            raise PermissionDenied("admins only")
        data = AssignmentsIn(data=request.data)
        data.is_valid(raise_exception=True)
        users = data.validated_data["users"]
        created = services.assignments_create(
            chip_ids=data.validated_data["chips"], user_ids=None if users == "auto" else users,
            auto=users == "auto", by=request.user,
        )
        return Response(AssignmentOut(created, many=True).data, status=201)


class PullChip(APIView):
    """The pull queue: an annotator with no work left takes the next chip that needs an annotator."""

    @extend_schema(request=None, responses={201: AssignmentOut, 404: OpenApiResponse(description="no chip needs an "
                   "annotator"), 409: OpenApiResponse(description="the caller still has work left")})
    def post(self, request):
        assignment = services.assignment_pull(user=request.user)
        return Response(AssignmentOut(assignment).data, status=201)
