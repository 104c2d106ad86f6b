"""Guess-label API: a task's guess, for the labeling page to pre-fill from."""
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.access import access_task

from guesslabels.models import GuessSource
from guesslabels.selectors import task_guess_info


class TaskGuessOut(serializers.Serializer):
    task = serializers.IntegerField()
    labels = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()),
                                   help_text="32 rows of 32 LandCoverNet classes (0 = no prediction)")
    source = serializers.ChoiceField(choices=GuessSource.choices, help_text="Where the guess came from: the tile's "
                                     "own model, its model retrained on consensus labels, the campaign-wide model, "
                                     "or the rule (annual SCL class and NDVI / NDWI)")
    source_label = serializers.CharField(help_text="The source in words, for display")
    run = serializers.IntegerField(allow_null=True, help_text="The training run that produced it (null: the rule)")
    updated_at = serializers.DateTimeField(allow_null=True, help_text="When it was stored (null: computed now)")


class TaskGuessView(APIView):
    @extend_schema(responses={200: TaskGuessOut, 404: OpenApiResponse(description="no such task, or its chip has no scene yet")})
    def get(self, request, task_id: int):
        task = access_task(request.user, task_id)
        info = task_guess_info(task)
        if info is None:
            raise Http404("No guess label for this task: its chip has no scene yet.")
        return Response(TaskGuessOut({**info, "task": task.pk, "labels": info["labels"].tolist()}).data)
