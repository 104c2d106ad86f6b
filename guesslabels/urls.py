from django.urls import path

from . import api

urlpatterns = [
    path("tasks/<int:task_id>/guess/", api.TaskGuessView.as_view(), name="task-guess"),
]
