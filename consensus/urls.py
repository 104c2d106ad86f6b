from django.urls import path

from consensus import api

urlpatterns = [
    path("expert/suggested-tasks/", api.SuggestedTasks.as_view(), name="expert-suggested-tasks"),
]
