from django.urls import path

from annotation import pages

urlpatterns = [path("label/", pages.label_page, name="label")]
