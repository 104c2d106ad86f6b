from django.urls import path

from . import api

urlpatterns = [
    path("me/tasks/", api.MyTasks.as_view(), name="my-tasks"),
    path("me/tasks/next/", api.NextTask.as_view(), name="my-next-task"),
    path("tasks/<int:task_id>/annotation/", api.TaskAnnotation.as_view(), name="task-annotation"),
    path("tasks/<int:task_id>/annotation/submit/", api.TaskAnnotationSubmit.as_view(), name="task-annotation-submit"),
    path("admin/assignments/", api.AdminAssignments.as_view(), name="admin-assignments"),
]
