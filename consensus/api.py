"""Consensus API: expert routing. Thin views over consensus.selectors."""
from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from lcnet_site.errors import NotFound
from lcnet_site.paging import UncountedPagination
from lcnet_site.roles import ANNOTATOR, EXPERT, has_role, is_admin

from consensus import profile, selectors
from consensus.models import ConsensusLabel


class ExpertOrAdmin(BasePermission):
    message = "Only experts and admins may see where the annotators disagree."

    def has_permission(self, request, view):
        return has_role(request.user, EXPERT) or is_admin(request.user)


class SuggestedTaskOut(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id")
    chip = serializers.CharField(source="task.chip_id")
    row = serializers.IntegerField(source="task.row")
    col = serializers.IntegerField(source="task.col")

    class Meta:
        model = ConsensusLabel
        fields = ["task", "chip", "row", "col", "mean_score", "disagreement", "method", "computed_at"]


class SuggestedTasks(generics.ListAPIView):
    """Tasks that are not references yet, lowest mean consensus score first, then most annotator disagreement:
    where an expert label helps most. Read in index order (consensus_routing_order) and not counted: a page costs
    the same whatever the campaign's size."""

    permission_classes = [ExpertOrAdmin]
    pagination_class = UncountedPagination
    serializer_class = SuggestedTaskOut

    def get_queryset(self):
        return selectors.suggested_tasks(self.request.user)


class Annotator(BasePermission):
    message = "Only annotators have an accuracy profile."

    def has_permission(self, request, view):
        return has_role(request.user, ANNOTATOR)


class AdminOnly(BasePermission):
    message = "Only admins may see other annotators' accuracy."

    def has_permission(self, request, view):
        return is_admin(request.user)


class MyAccuracy(APIView):
    """The caller's own accuracy against the experts: pooled accuracy and its 95 % credible interval (or "not enough
    reference pixels yet"), per-class recall and precision, confusions in words, history, and the reference tasks
    where they differed (the expert's labels once that reference is closed to them). Never anyone else's numbers,
    never the consensus."""

    permission_classes = [Annotator]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(profile.annotator_profile(request.user.pk))


class AnnotatorAccuracyForAdmin(APIView):
    """Any annotator's profile, for admins (expert labels of every example)."""

    permission_classes = [AdminOnly]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, annotator_id: int):
        user = get_user_model().objects.filter(pk=annotator_id, groups__name=ANNOTATOR).first()
        if user is None:
            raise NotFound("No such annotator.")
        return Response({**profile.annotator_profile(user.pk, reveal_references=True), "username": user.username})
