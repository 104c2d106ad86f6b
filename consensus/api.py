"""Consensus API: expert routing. Thin views over consensus.selectors."""
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from lcnet_site.paging import UncountedPagination
from lcnet_site.roles import EXPERT, has_role, is_admin

from consensus import selectors
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
        return selectors.suggested_tasks()
