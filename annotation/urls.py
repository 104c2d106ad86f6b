"""Every task-scoped route for annotators and experts (annotation decides who may see a task), and assignment."""
from django.urls import path, register_converter

from annotation import api, guess_api, imagery_api, work_api


class SignedInt:
    """Like <int:> but accepts a minus sign, so a negative pixel gets a 400 naming the range, not a bare 404."""

    regex = "-?[0-9]{1,6}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(SignedInt, "signed")

urlpatterns = [
    path("me/tasks/", api.MyTasks.as_view(), name="my-tasks"),
    path("me/tasks/next/", api.NextTask.as_view(), name="my-next-task"),
    path("me/extra-tasks/", api.MyExtraTasks.as_view(), name="my-extra-tasks"),
    path("me/chips/next/", api.PullChip.as_view(), name="my-next-chip"),
    path("tasks/<int:task_id>/annotation/", api.TaskAnnotation.as_view(), name="task-annotation"),
    path("tasks/<int:task_id>/annotation/submit/", api.TaskAnnotationSubmit.as_view(), name="task-annotation-submit"),
    path("tasks/<int:task_id>/scenes/", imagery_api.TaskScenesView.as_view(), name="task-scenes"),
    path("tasks/<int:task_id>/layers/<str:layer>.png", imagery_api.TaskLayerView.as_view(), name="task-layer"),
    path(
        "tasks/<int:task_id>/pixels/<signed:row>/<signed:col>/series/",
        imagery_api.PixelSeriesView.as_view(),
        name="task-pixel-series",
    ),
    path("tasks/<int:task_id>/guess/", guess_api.TaskGuessView.as_view(), name="task-guess"),
    path("tasks/<int:task_id>/work/", work_api.TaskWorkView.as_view(), name="task-work"),
    path("tasks/<int:task_id>/work/flag/", work_api.TaskFlagView.as_view(), name="task-work-flag"),
    path("tasks/<int:task_id>/work/time/", work_api.TaskTimeView.as_view(), name="task-work-time"),
    path("tasks/<int:task_id>/chip-labels.png", work_api.ChipLabelsView.as_view(), name="task-chip-labels"),
    path("admin/assignments/", api.AdminAssignments.as_view(), name="admin-assignments"),
]
