"""Admin: reference rasters (with the "train" action), training runs and their status, guess labels."""
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from guesslabels import services
from guesslabels.models import GuessLabel, ReferenceRaster, TrainingRun


@admin.register(ReferenceRaster)
class ReferenceRasterAdmin(admin.ModelAdmin):
    list_display = ("tile", "file", "mapping_name", "created_at")
    readonly_fields = ("tile", "file", "source", "mapping_name", "mapping", "created_at")
    actions = ["train"]

    def has_add_permission(self, request):  # registered by the command, which checks the grid
        return False

    @admin.action(description="Train guess labels for the selected tiles (Celery)")
    def train(self, request, queryset):
        for ref in queryset:
            try:
                run = services.training_run_start(tile_id=ref.tile_id)
                self.message_user(request, f"tile {ref.tile_id}: run {run.pk} queued")
            except services.GuessLabelError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "tile", "status", "accuracy", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("tile__id",)
    readonly_fields = [f.name for f in TrainingRun._meta.fields] + ["figure"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="held-out accuracy")
    def accuracy(self, run):
        return f"{run.overall_accuracy:.1%}" if run.overall_accuracy is not None else "—"

    def figure(self, run):
        if not run.plot_file:
            return "—"
        url = reverse("admin:guesslabels_run_figure", args=[run.pk])
        return format_html('<img src="{}" style="max-width:900px">', url)

    def get_urls(self):  # the figure comes through the admin, whether or not media files are served
        view = self.admin_site.admin_view(self.figure_png)
        return [path("<int:run_id>/figure.png", view, name="guesslabels_run_figure"), *super().get_urls()]

    def figure_png(self, request, run_id):
        run = get_object_or_404(TrainingRun, pk=run_id)
        if not self.has_view_permission(request, run) or not run.plot_file:
            raise Http404("No figure.")
        with default_storage.open(run.plot_file.name, "rb") as fh:
            return HttpResponse(fh.read(), content_type="image/png")


@admin.register(GuessLabel)
class GuessLabelAdmin(admin.ModelAdmin):
    list_display = ("chip", "run", "kept_tasks", "updated_at")
    list_select_related = ("chip", "run")  # run is nullable: the admin's default join skips it (a query a row)
    readonly_fields = ("chip", "run", "file", "kept_tasks", "class_counts", "updated_at")
    search_fields = ("chip__id",)

    def has_add_permission(self, request):
        return False
