"""Admin: hand chips to three annotators (chosen or auto-balanced), see their progress, unassign, freeze."""
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.utils import timezone

from lcnet_site.admin_read_only import ReadOnlyPermissions
from lcnet_site.admin_paging import ScaleAdminMixin
from lcnet_site.roles import ANNOTATOR

from annotation import selectors, services
from annotation.models import (
    Annotation,
    AnnotationRevision,
    Assignment,
    ChipFreeze,
    ChipWork,
    ExpertLabel,
    ExpertLabelRevision,
    GuessEdits,
    ReferenceTask,
    Status,
    TaskWork,
)
from guesslabels.models import GuessSource


class ChooseAnnotators(forms.Form):
    users = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.filter(is_active=True, groups__name=ANNOTATOR).order_by("username"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each selected chip gets these annotators (at most three per chip, never one twice).",
    )


@admin.register(ChipWork)
class ChipWorkAdmin(ScaleAdminMixin, admin.ModelAdmin):
    list_display = ["id", "tile", "progress", "frozen"]
    list_filter = ["tile"]
    search_fields = ["id"]
    actions = ["assign_auto", "assign_chosen", "freeze", "unfreeze"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changelist_instance(self, request):
        cl = super().get_changelist_instance(request)
        progress = selectors.chip_progress([c.pk for c in cl.result_list])  # one query for the whole page
        for chip in cl.result_list:
            chip.progress_rows = progress.get(chip.pk, [])
        return cl

    @admin.display(description="progress (submitted / tasks)")
    def progress(self, chip):
        rows = getattr(chip, "progress_rows", None)
        if rows is None:
            rows = selectors.chip_progress([chip.pk]).get(chip.pk, [])
        return " · ".join(f"{r['user__username']} {r['submitted']}/{r['total']}" for r in rows) or "unassigned"

    @admin.display(boolean=True)
    def frozen(self, chip):
        return hasattr(chip, "freeze")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tile", "freeze")

    @admin.action(description="Assign to three annotators (auto-balance: least loaded first)")
    def assign_auto(self, request, queryset):
        self._assign(request, queryset, auto=True)

    @admin.action(description="Assign to chosen annotators…")
    def assign_chosen(self, request, queryset):
        form = ChooseAnnotators(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            return self._assign(request, queryset, user_ids=[u.pk for u in form.cleaned_data["users"]])
        context = {**self.admin_site.each_context(request), "form": form, "chips": queryset,
                   "opts": self.model._meta, "action": "assign_chosen", "title": "Assign annotators"}
        return TemplateResponse(request, "admin/annotation/assign_annotators.html", context)

    def _assign(self, request, queryset, **how):
        try:
            created = services.assignments_create(chip_ids=list(queryset.values_list("pk", flat=True)), by=request.user,
                                                  **how)
        except services.AssignmentError as exc:
            self.message_user(request, f"Nothing assigned: {exc}", messages.ERROR)
        else:
            self.message_user(request, f"{len(created)} assignments created.", messages.SUCCESS)

    @admin.action(description="Freeze consensus (no more label changes)")
    def freeze(self, request, queryset):
        chip_ids = list(queryset.values_list("pk", flat=True))
        for chip_id in chip_ids:
            services.chip_freeze(chip_id=chip_id, user=request.user)
        messages.success(request, f"{_chips(len(chip_ids))} frozen: their labels can no longer change.")

    @admin.action(description="Unfreeze")
    def unfreeze(self, request, queryset):
        chip_ids = list(queryset.values_list("pk", flat=True))
        for chip_id in chip_ids:
            services.chip_unfreeze(chip_id=chip_id)
        messages.success(request, f"{_chips(len(chip_ids))} unfrozen: their annotators can save again.")


def _chips(n: int) -> str:
    return f"{n} chip{'' if n == 1 else 's'}"


@admin.register(Assignment)
class AssignmentAdmin(ScaleAdminMixin, admin.ModelAdmin):
    list_display = ["chip", "user", "slot", "n_submitted", "n_tasks", "created_at", "ended_at"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["chip__id", "user__username"]
    exact_search_fields = ("chip_id", "user__username")
    search_help_text = "a chip id or a username (exact)"
    readonly_fields = ["chip", "user", "slot", "assigned_by", "created_at", "ended_at", "ended_by"]
    actions = ["unassign"]

    def has_add_permission(self, request):
        return False  # assign from "chip assignments" so the rules are checked

    @admin.action(description="Unassign (end; labels and history are kept)")
    def unassign(self, request, queryset):
        active = list(queryset.filter(ended_at__isnull=True))
        for assignment in active:
            services.assignment_end(assignment=assignment, by=request.user)
        skipped = queryset.count() - len(active)
        messages.success(request, f"{len(active)} assignment{'' if len(active) == 1 else 's'} ended (labels kept)"
                                  + (f"; {skipped} had already ended." if skipped else "."))


class ReadOnly(ReadOnlyPermissions, ScaleAdminMixin, admin.ModelAdmin):
    pass


class AnnotationRevisionInline(admin.TabularInline):
    model = AnnotationRevision
    fields = ["revision", "status", "differ_from_guess", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class ExpertLabelRevisionInline(AnnotationRevisionInline):
    model = ExpertLabelRevision


@admin.register(Annotation)
class AnnotationAdmin(ReadOnly):
    list_display = ["task", "annotator", "status", "revision", "differ_from_guess", "updated_at"]
    list_filter = ["status"]
    search_fields = ["task__chip__id", "annotator__username"]
    exact_search_fields = ("task__chip_id", "annotator__username")
    search_help_text = "a chip id or a username (exact)"
    ordering = ["-id"]  # newest first, paged through the primary key's index
    exclude = ["labels", "guess"]
    inlines = [AnnotationRevisionInline]


@admin.register(ExpertLabel)
class ExpertLabelAdmin(AnnotationAdmin):
    list_display = ["task", "expert", "status", "revision", "differ_from_guess", "updated_at"]
    search_fields = ["task__chip__id", "expert__username"]
    exact_search_fields = ("task__chip_id", "expert__username")
    inlines = [ExpertLabelRevisionInline]


@admin.register(ReferenceTask)
class ReferenceTaskAdmin(ScaleAdminMixin, admin.ModelAdmin):
    """Admins may pick reference tasks by hand here (or run select_reference_tasks)."""

    list_display = ["task", "expert", "chosen_by", "created_at"]
    raw_id_fields = ["task"]
    search_fields = ["task__chip__id"]
    exact_search_fields = ("task__chip_id",)


@admin.register(ChipFreeze)
class ChipFreezeAdmin(ScaleAdminMixin, admin.ModelAdmin):
    list_display = ["chip", "frozen_at", "frozen_by"]
    raw_id_fields = ["chip"]

    def save_model(self, request, obj, form, change):
        obj.frozen_by = obj.frozen_by or request.user
        obj.frozen_at = obj.frozen_at or timezone.now()
        super().save_model(request, obj, form, change)


class FlaggedFilter(admin.SimpleListFilter):
    title = "flagged"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", "flagged"), ("no", "not flagged")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flag="")
        if self.value() == "no":
            return queryset.filter(flag="")
        return queryset


@admin.register(TaskWork)
class TaskWorkAdmin(admin.ModelAdmin):
    """Flags and comments annotators and experts left on tasks, and their active time: read here, written by the page."""

    list_display = ["task", "user", "kind", "flag", "comment", "active_seconds", "updated_at"]
    list_filter = [FlaggedFilter, "flag", "kind"]
    list_select_related = ["task", "user"]
    search_fields = ["task__chip__id", "user__username", "comment"]
    readonly_fields = ["task", "user", "kind", "flag", "comment", "active_seconds", "flagged_at", "updated_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _edits(**where):
    """Submitted annotations whose task started from the guess described by `where` (KeptGuess fields)."""
    return Annotation.objects.filter(status=Status.SUBMITTED, **{f"task__kept_guess__{k}": v for k, v in where.items()})


@admin.register(GuessEdits)
class GuessEditsAdmin(ReadOnlyPermissions, admin.ModelAdmin):
    """Per tile and run: submitted tasks that started from its guess, and the pixels annotators changed in them."""

    list_display = ["id", "tile", "source", "status", "finished_at", "submitted_tasks", "pixels_changed"]
    list_filter = ["source", "tile"]
    change_list_template = "admin/annotation/guessedits/change_list.html"

    def get_queryset(self, request):
        edits = _edits(run=OuterRef("pk")).order_by().values("task__kept_guess__run")
        return super().get_queryset(request).annotate(
            n_submitted=Subquery(edits.annotate(n=Count("pk")).values("n")[:1]),
            mean_changed=Subquery(edits.annotate(m=Avg("differ_from_guess")).values("m")[:1]),
        )

    @admin.display(description="submitted tasks", ordering="n_submitted")
    def submitted_tasks(self, run):
        return run.n_submitted or 0

    @admin.display(description="pixels changed per submitted task", ordering="mean_changed")
    def pixels_changed(self, run):
        return "—" if run.mean_changed is None else f"{run.mean_changed:.0f} of 1,024"

    def changelist_view(self, request, extra_context=None):
        rule = (_edits(source=GuessSource.RULE).values(tile=F("task__chip__tile_id"))
                .annotate(n=Count("pk"), mean=Avg("differ_from_guess")).order_by("tile"))
        return super().changelist_view(request, {**(extra_context or {}), "rule_rows": list(rule)})
