"""Admin: annotator leaderboard (accuracy against experts, reference coverage, confusion matrix) and consensus rows."""
import numpy as np
from django.contrib import admin, messages
from django.db.models import Count, F
from django.utils.html import format_html, format_html_join

from annotation.models import Annotation, Status
from imagery.lib.domain import CLASS_NAMES
from lcnet_site.admin_paging import ScaleAdminMixin
from lcnet_site.ids import parse_id
from lcnet_site.roles import is_admin

from consensus import jobs, run_selectors, runs
from consensus.models import AnnotatorAccuracy, ConsensusLabel, ConsensusRun
from consensus.lib.plots import confusion_png, consensus_png, reliability_png
from annotation.lib.labels import labels_from_bytes
from consensus.lib.codec import score_from_bytes
from lcnet_site.campaign import campaign


class LcnetAdminOnly(ScaleAdminMixin, admin.ModelAdmin):
    """Read-only pages for lcnet admins (superuser, staff or the admin group), whatever their model permissions."""

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # only services write these rows


@admin.register(AnnotatorAccuracy)
class LeaderboardAdmin(LcnetAdminOnly):
    list_display = ["annotator", "accuracy_shown", "prior", "n_reference_tasks", "n_reference_pixels", "coverage"]
    list_filter = [("accuracy", admin.EmptyFieldListFilter)]
    readonly_fields = ["annotator", "accuracy_shown", "n_reference_tasks", "n_reference_pixels", "coverage",
                       "confusion_table", "confusion_plot", "task_accuracies", "computed_at"]
    fields = readonly_fields
    actions = ["recompute"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("annotator")

    def get_changelist_instance(self, request):
        """Submitted counts for the page's annotators only, from the (annotator, status) index."""
        cl = super().get_changelist_instance(request)
        ids = [s.annotator_id for s in cl.result_list]
        # order_by(): the default ordering (chip, row, col) would join tasks and chips into the grouping
        counts = dict(Annotation.objects.filter(annotator_id__in=ids, status=Status.SUBMITTED).order_by()
                      .values("annotator_id").annotate(n=Count("*")).values_list("annotator_id", "n"))  # index only
        for score in cl.result_list:
            score.n_submitted = counts.get(score.annotator_id, 0)
        return cl

    def get_ordering(self, request):
        return [F("accuracy").desc(nulls_last=True), "annotator__username"]

    @admin.display(description="accuracy", ordering="accuracy")
    def accuracy_shown(self, score):
        if score.accuracy is None:
            return f"— (prior {campaign().prior_accuracy:.2f})"
        return f"{score.accuracy:.3f}"

    @admin.display(description="no reference: prior used", boolean=True)
    def prior(self, score):
        return score.accuracy is None

    @admin.display(description="reference coverage")
    def coverage(self, score):
        submitted = getattr(score, "n_submitted", None)
        if submitted is None:
            submitted = Annotation.objects.filter(annotator_id=score.annotator_id, status=Status.SUBMITTED).count()
        return f"{score.n_reference_tasks} of {submitted} tasks" if submitted else "—"

    @admin.display(description="confusion (rows: expert, columns: annotator; 0 = no label)")
    def confusion_table(self, score):
        counts = np.asarray(score.confusion or np.zeros((8, 8), int))
        head = format_html_join("", "<th>{}</th>", ((c,) for c in range(counts.shape[1])))
        body = format_html_join(
            "", "<tr><th title='{}'>{}</th>{}</tr>",
            ((CLASS_NAMES[r], r, format_html_join("", "<td>{}</td>", ((int(v),) for v in counts[r])))
             for r in range(1, counts.shape[0])),
        )
        return format_html("<table><tr><th></th>{}</tr>{}</table>", head, body)

    @admin.display(description="confusion, row-normalised")
    def confusion_plot(self, score):
        if not score.confusion:
            return "—"
        return format_html('<img alt="confusion matrix" src="data:image/png;base64,{}">', confusion_png(score.confusion))

    def changelist_view(self, request, extra_context=None):
        """An empty table says why: accuracy needs expert labels on reference tasks that annotators labeled too."""
        if not self.get_queryset(request).filter(n_reference_tasks__gt=0).exists():
            self.message_user(request, "No annotator has an accuracy yet: it is measured on reference tasks that an "
                              "expert has labeled and the annotator has submitted, and no such task exists yet. "
                              "Choose reference tasks (admin → reference tasks, or select_reference_tasks) and have "
                              f"experts label them; until then every annotator counts with the prior accuracy "
                              f"{campaign().prior_accuracy:.2f}.", messages.INFO)
        return super().changelist_view(request, extra_context)

    @admin.action(description="Recompute scores and the consensus they affect (background job)")
    def recompute(self, request, queryset):
        jobs.accuracies_enqueue()
        self.message_user(request, "Recompute queued.", messages.SUCCESS)


@admin.register(ConsensusLabel)
class ConsensusLabelAdmin(LcnetAdminOnly):
    list_display = ["task", "run_id", "method", "mean_score", "disagreement", "computed_at"]
    list_filter = ["method", "task__chip__tile"]
    search_fields = ["task__chip__id"]
    exact_search_fields = ("task__chip_id",)
    search_help_text = "a chip id (exact)"
    readonly_fields = ["task", "run_id", "method", "mean_score", "disagreement", "inputs", "computed_at", "figure"]
    fields = readonly_fields
    list_select_related = ["task"]
    # by task id, straight from the primary key: the model's "task" would sort by the task's chip, row and column,
    # which joins and sorts every row to page (the same order: a chip's tasks are created together, row by row)
    ordering = ["pk"]

    @admin.display(description="label and score")
    def figure(self, row):
        png = consensus_png(labels_from_bytes(row.label), score_from_bytes(row.score))
        return format_html('<img alt="consensus label and score" src="data:image/png;base64,{}">', png)


@admin.register(ConsensusRun)
class ConsensusRunAdmin(LcnetAdminOnly):
    """Runs: what each recorded, how two compare (?compare=<run id> on a run's page; default its parent), and which
    one the export serves."""

    list_display = ["id", "method", "live", "exported", "created_at", "frozen_at", "parent", "note"]
    readonly_fields = ["method", "live", "exported", "created_at", "frozen_at", "parent", "note", "parameters",
                       "reference_tasks", "weights_shown", "calibration_shown", "reliability_plot", "storage",
                       "comparison"]
    fields = readonly_fields
    actions = ["export_this_run", "calibrate"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("weights", "reference", "calibration")

    @admin.display(description="calibration (held-out ECE per method)")
    def calibration_shown(self, run):
        fits = run.calibration or {}
        if not fits:
            return "— (fewer than 10 reference tasks with every submission: no calibrated confidence yet)"
        return format_html_join("; ", "{}: ECE {} calibrated, {} as the score is ({} reference tasks, {} pixels)", (
            (m, f"{f['ece']:.4f}", f"{f['ece_uncalibrated']:.4f}", f["n_reference_tasks"], f["n_pixels"])
            for m, f in fits.items()))

    @admin.display(description="reliability diagram (held-out reference pixels)")
    def reliability_plot(self, run):
        fits = run.calibration or {}
        if not fits:
            return "—"
        curves = {}
        for m, f in fits.items():
            curves[f"{m} calibrated"] = f["reliability"]
            curves[f"{m} score"] = f["reliability_uncalibrated"]
        return format_html('<img alt="reliability diagram" src="data:image/png;base64,{}">', reliability_png(curves))

    def get_object(self, request, object_id, from_field=None):
        run = super().get_object(request, object_id, from_field)
        if run is not None:
            run.compare_with = parse_id(request.GET.get("compare"))  # per request: the admin is shared
        return run

    @admin.display(description="reference set")
    def reference_tasks(self, run):
        ref = run.reference or {}
        return f"{len(ref)} reference tasks (task id → expert label revision recorded)" if ref else "— (live: recorded when frozen)"

    @admin.display(description="weights used")
    def weights_shown(self, run):
        if run.method == "dawid-skene":
            return f"confusion matrices of {run.tile_fits.count()} tiles"
        return ", ".join(f"{a}: {w:.3f}" for a, w in list((run.weights or {}).items())[:50]) or "— (each row keeps its own)"

    @admin.display(description="storage of its own")
    def storage(self, run):
        kept = run_selectors.run_storage(run)
        return f"{kept['live_rows']} live rows written under it, {kept['versions']} kept versions"

    @admin.display(description="comparison (pixels whose label changed, per class)")
    def comparison(self, run):
        other_id = getattr(run, "compare_with", None) or run.parent_id
        other = ConsensusRun.objects.filter(pk=other_id).first() if other_id else None
        if other is None:
            return "— (no parent; add ?compare=<run id> to the address)"
        diff = run_selectors.runs_compare(other, run)
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (c["name"], c["pixels_a"], c["pixels_b"], c["changed_from"], c["changed_to"]) for c in diff["per_class"]))
        return format_html(
            "run {} → run {}: {} pixels changed in {} of {} tasks compared<table><tr><th>class</th><th>pixels in {}</th>"
            "<th>pixels in {}</th><th>changed from</th><th>changed to</th></tr>{}</table>",
            other.pk, run.pk, diff["pixels_changed"], diff["tasks_changed"], diff["tasks_compared"], other.pk, run.pk, rows)

    @admin.action(description="Export this run (the export serves it from now on)")
    def export_this_run(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one run to export.", messages.ERROR)
            return
        run = runs.consensus_run_export_choose(run_id=queryset.get().pk)
        self.message_user(request, f"The export now serves run {run.pk}.", messages.SUCCESS)

    @admin.action(description="Measure the live run's calibration now (cross-validation over reference tasks)")
    def calibrate(self, request, queryset):
        fits = runs.run_calibrate()
        self.message_user(request, "; ".join(f"{m}: held-out ECE {f['ece']:.4f}" for m, f in fits.items())
                          or "Too few reference tasks with every submission to calibrate.", messages.INFO)
