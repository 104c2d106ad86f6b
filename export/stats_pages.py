"""The admins' dataset dashboard: the two figures as PNG plots, their numbers, and labeling progress."""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from lcnet_site.roles import is_admin

from export.stats_selectors import dataset_stats, progress


def dashboard(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_admin(request.user):
        raise PermissionDenied
    stats = dataset_stats()
    context = {**admin.site.each_context(request), "title": "Dataset figures", "progress": progress(),
               "progress_max_age_s": settings.LCNET_PROGRESS_MAX_AGE_S,
               "classes": stats.classes(), "scores": stats.scores()}
    return render(request, "export/dashboard.html", context)
