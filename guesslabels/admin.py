"""Admin: land-cover maps (with the "train" action), training runs and their status, guess labels."""
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from guesslabels import services
from guesslabels.models import GuessLabel, LandCoverMap, TrainingRun
from lcnet_site.errors import AppError


@admin.register(LandCoverMap)
class LandCoverMapAdmin(admin.ModelAdmin):
    list_display = ("name", "mapping_name", "covered_tiles", "created_at")
    readonly_fields = ("name", "files", "description", "source", "mapping_name", "mapping", "tiles", "created_at")
    search_fields = ("name", "tiles__id")
    actions = ["train"]

    def has_add_permission(self, request):  # registered by the command, which warps and checks every chip
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tiles")

    @admin.display(description="tiles")
    def covered_tiles(self, row):
        return ", ".join(t.pk for t in row.tiles.all())

    @admin.action(description="Train guess labels for every tile the selected maps cover (Celery)")
    def train(self, request, queryset):
        tiles = sorted({t.pk for row in queryset for t in row.tiles.all()})
        for tile_id in tiles:
            try:
                run = services.training_run_start(tile_id=tile_id)
                self.message_user(request, f"tile {tile_id}: run {run.pk} queued")
            except AppError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "tile", "source", "status", "accuracy", "random_pixel_accuracy", "created_at", "finished_at")
    list_filter = ("status", "source")
    list_select_related = ("tile",)  # tile is nullable (campaign runs): the admin's default join skips it
    search_fields = ("tile__id",)
    readonly_fields = [f.name for f in TrainingRun._meta.fields] + ["figure"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="held-out accuracy (spatial)")
    def accuracy(self, run):
        return f"{run.overall_accuracy:.1%}" if run.overall_accuracy is not None else "—"

    @admin.display(description="random-pixel accuracy")
    def random_pixel_accuracy(self, run):
        value = (run.metrics.get("random_pixel") or {}).get("overall_accuracy")
        return f"{value:.1%}" if value is not None else "—"

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
    list_display = ("chip", "source", "run", "kept_tasks", "updated_at")
    list_filter = ("source",)
    list_select_related = ("chip", "run")  # run is nullable: the admin's default join skips it (a query a row)
    readonly_fields = ("chip", "source", "run", "file", "kept_tasks", "class_counts", "updated_at")
    search_fields = ("chip__id",)

    def has_add_permission(self, request):
        return False
