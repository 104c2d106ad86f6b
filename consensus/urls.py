from django.urls import path

from consensus import api

urlpatterns = [
    path("expert/suggested-tasks/", api.SuggestedTasks.as_view(), name="expert-suggested-tasks"),
    path("me/accuracy/", api.MyAccuracy.as_view(), name="me-accuracy"),
    path("admin/annotators/<int:annotator_id>/accuracy/", api.AnnotatorAccuracyForAdmin.as_view(),
         name="admin-annotator-accuracy"),
]
