"""Read-only admin for imagery: rows come from ingest_chips only (COG files and rows must stay in step)."""

from django.contrib import admin
from django.db.models import Count

from lcnet_site.admin_paging import ScaleAdminMixin
from lcnet_site.admin_read_only import AdminReadOnlyInline
from lcnet_site.roles import is_admin

from imagery.models import Chip, ChipAcquisition, Scene, Task, Tile
from imagery.services import chip_delete


class ReadOnlyAdmin(ScaleAdminMixin, admin.ModelAdmin):
    """lcnet admins (role) may look; nobody adds or edits. Lists page without full counts (admin_paging)."""

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Tile)
class TileAdmin(ReadOnlyAdmin):
    list_display = ("id", "epsg", "continent", "n_chips", "created_at")
    list_filter = ("continent",)
    search_fields = ("id",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_chips=Count("chips"))

    @admin.display(ordering="n_chips", description="chips")
    def n_chips(self, obj):
        return obj.n_chips


def _acquired(scene, field, fmt="{}"):
    acquisition = getattr(scene, "acquisition", None)
    value = getattr(acquisition, field, None) if acquisition else None
    return "—" if value is None else fmt.format(value)


class SceneReasons:
    """Why each scene was chosen (acquire_chips): month or extra pick, tile cloud, chip cloud; blank for files."""

    @admin.display(description="pick")
    def pick(self, obj):
        return _acquired(obj, "pick")

    @admin.display(description="tile cloud")
    def tile_cloud(self, obj):
        return _acquired(obj, "tile_cloud_pct", "{:.1f} %")

    @admin.display(description="chip cloud")
    def chip_cloud(self, obj):
        return _acquired(obj, "chip_cloud_pct", "{:.1f} %")

    @admin.display(description="chip outside swath")
    def chip_nodata(self, obj):
        return _acquired(obj, "chip_nodata_pct", "{:.1f} %")

    @admin.display(description="STAC Item")
    def item(self, obj):
        return _acquired(obj, "item_id")


class SceneInline(SceneReasons, AdminReadOnlyInline, admin.TabularInline):
    model = Scene
    fields = ("date", "pick", "tile_cloud", "chip_cloud", "chip_nodata", "cloud_fraction", "has_scl",
              "has_cloud_mask", "item", "file")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("acquisition")


class AcquisitionInline(AdminReadOnlyInline, admin.StackedInline):
    """The chip's acquisition report: catalog, year, and what the year lacked."""

    model = ChipAcquisition
    fields = ("catalog_url", "collection", "year", "n_items", "n_probed", "n_usable", "missing", "short_by",
              "created_at")
    readonly_fields = fields

    @admin.display(description="months without a usable scene")
    def missing(self, obj):
        return ", ".join(MONTHS[m - 1] for m in obj.missing_months) or "none"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@admin.register(Chip)
class ChipAdmin(ReadOnlyAdmin):
    list_display = ("id", "tile", "epsg", "n_scenes", "n_tasks_with_data", "source", "created_at")
    list_filter = ("tile__continent", "tile")
    search_fields = ("id", "source")
    readonly_fields = ("id", "tile", "epsg", "transform", "bounds", "height", "width", "stretch_low", "stretch_high",
                       "source", "fingerprint", "created_at")
    inlines = [AcquisitionInline, SceneInline]

    def get_deleted_objects(self, objs, request):
        # Scenes and tasks cannot be deleted on their own, but they go with their chip.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - {Scene._meta.verbose_name, Task._meta.verbose_name}, protected

    def delete_model(self, request, obj):
        chip_delete(chip=obj)

    def delete_queryset(self, request, queryset):
        for chip in queryset:
            chip_delete(chip=chip)

    def get_changelist_instance(self, request):
        """Scene and task counts for the page's chips only (two grouped queries), not a join over every chip."""
        cl = super().get_changelist_instance(request)
        ids = [c.pk for c in cl.result_list]
        scenes = dict(Scene.objects.filter(chip_id__in=ids).values("chip_id").annotate(n=Count("pk"))
                      .values_list("chip_id", "n"))
        tasks = dict(Task.objects.filter(chip_id__in=ids, has_data=True).values("chip_id").annotate(n=Count("pk"))
                     .values_list("chip_id", "n"))
        for chip in cl.result_list:
            chip.n_scenes_page, chip.n_tasks_page = scenes.get(chip.pk, 0), tasks.get(chip.pk, 0)
        return cl

    @admin.display(description="scenes")
    def n_scenes(self, obj):
        return obj.n_scenes_page if hasattr(obj, "n_scenes_page") else obj.scenes.count()

    @admin.display(description="tasks with data")
    def n_tasks_with_data(self, obj):
        return obj.n_tasks_page if hasattr(obj, "n_tasks_page") else obj.tasks.filter(has_data=True).count()


@admin.register(Scene)
class SceneAdmin(SceneReasons, ReadOnlyAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # a chip's scenes go with the chip

    list_display = ("chip", "date", "pick", "tile_cloud", "chip_cloud", "chip_nodata", "cloud_fraction", "has_scl",
                    "has_cloud_mask")
    list_filter = ("acquisition__pick", "has_scl", "has_cloud_mask", "chip__tile")
    search_fields = ("chip__id", "acquisition__item_id")
    date_hierarchy = "date"
    list_select_related = ("chip", "acquisition")


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # a chip always has its 64 tasks

    list_display = ("id", "chip", "row", "col", "has_data")
    list_filter = ("has_data", "chip__tile")
    search_fields = ("chip__id",)
    list_select_related = ("chip",)
