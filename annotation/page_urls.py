from django.urls import path

from . import pages

urlpatterns = [path("label/", pages.label_page, name="label")]
