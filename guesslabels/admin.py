"""Admin: reference rasters (with the "train" action), training runs and their status, guess labels."""
from django.contrib import admin, messages
from django.utils.html import format_html

from . import services
from .models import GuessLabel, ReferenceRaster, TrainingRun


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
        return format_html('<img src="{}" style="max-width:900px">', run.plot_file.url) if run.plot_file else "—"


@admin.register(GuessLabel)
class GuessLabelAdmin(admin.ModelAdmin):
    list_display = ("chip", "run", "kept_tasks", "updated_at")
    readonly_fields = ("chip", "run", "file", "kept_tasks", "class_counts", "updated_at")
    search_fields = ("chip__id",)

    def has_add_permission(self, request):
        return False
