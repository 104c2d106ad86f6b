"""Annotator accuracy against the experts, and the final label of each task.

Arrays are stored compactly as bytea: a task label is 1,024 bytes (uint8, row-major 32×32), a task score 4,096 bytes
(float32 0..1, row-major 32×32). Only consensus.services writes these rows.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from imagery.models import Task


class Method(models.TextChoices):
    BAYES = "bayes", "Bayesian (LandCoverNet §3.2)"
    DAWID_SKENE = "dawid-skene", "Dawid–Skene"


class AnnotatorAccuracy(models.Model):
    """An annotator's accuracy against the experts on the reference tasks they labeled too.

    No reference task yet: accuracy is null and consensus weighs them with the campaign's prior_accuracy.
    """

    annotator = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="annotator_accuracy"
    )
    accuracy = models.FloatField(null=True, blank=True, help_text="Mean of per-task accuracies; null: no reference task")
    n_reference_tasks = models.PositiveIntegerField(default=0)
    n_reference_pixels = models.PositiveIntegerField(default=0)
    task_accuracies = models.JSONField(default=dict, help_text="{task id: fraction of expert pixels labeled alike}")
    confusion = models.JSONField(default=list, help_text="8×8 pixel counts: row expert code, column annotator code")
    inputs = models.JSONField(default=dict, help_text="Revisions of the annotations and expert labels used")
    task_pixels = models.JSONField(default=dict, help_text="{task id: [expert pixels labeled alike, expert pixels]}")
    pooled = models.JSONField(null=True, blank=True, help_text="Pooled accuracy over reference tasks with enough "
                              "expert pixels: accuracy, low, high (95 % Beta), effective_pixels; null: too few pixels")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-accuracy"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accuracy__isnull=True) | Q(accuracy__gte=0, accuracy__lte=1), name="annotator_accuracy_0_1"
            ),
        ]

    def __str__(self):
        return f"{self.annotator} accuracy {self.accuracy}"


class ConsensusRun(models.Model):
    """One version of the campaign's consensus: what it was computed with, and from what.

    Exactly one run is live: recomputes after a submit update its rows in place (ConsensusLabel, one row per task).
    A new run (compute_consensus --new-run, or a recompute with another method) freezes the live one; a frozen run
    keeps its rows by copy-on-write: the first time the new run overwrites or deletes a task's row written under an
    older run, that row is kept as a ConsensusVersion of the run that wrote it. A frozen run's consensus of a task is
    therefore its live row if that row was written under this run or an earlier one, else its newest version of a
    run at most this one (a version with present=False: no consensus). docs/consensus.md, "Runs".
    """

    method = models.CharField(max_length=16, choices=Method.choices)
    parameters = models.JSONField(default=dict, help_text="Prior accuracy, weight clip, EM tolerance, annotators per chip")
    weights = models.JSONField(default=dict, help_text="Bayes: {annotator id: weight} when frozen (each row keeps "
                               "the weights it used in inputs); Dawid–Skene: see the run's TileFits")
    reference = models.JSONField(default=dict, help_text="{task id: {expert_label, revision}} of the reference set "
                                 "when frozen")
    calibration = models.JSONField(default=dict, help_text="Per method: isotonic map score → P(label right), "
                                   "held-out ECE and reliability (consensus.lib.calibration.cross_validated)")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    note = models.CharField(max_length=200, blank=True)
    live = models.BooleanField(default=True)
    exported = models.BooleanField(default=False, help_text="The run the export serves (none: the live run)")
    created_at = models.DateTimeField()
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["live"], condition=Q(live=True), name="consensusrun_one_live"),
            models.UniqueConstraint(fields=["exported"], condition=Q(exported=True), name="consensusrun_one_exported"),
            models.CheckConstraint(condition=Q(method__in=[m.value for m in Method]), name="consensusrun_method_known"),
        ]

    def __str__(self):
        return f"run {self.pk} ({self.method}{', live' if self.live else ''}{', exported' if self.exported else ''})"


class ConsensusLabel(models.Model):
    """The merged label of one task and its per-pixel consensus score, in the live run.

    `run` is the run whose recompute last wrote the row (null: written before any run existed, i.e. the first run's)."""

    task = models.OneToOneField(Task, primary_key=True, on_delete=models.CASCADE, related_name="consensus")
    run = models.ForeignKey(ConsensusRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    label = models.BinaryField(max_length=1024)
    score = models.BinaryField(max_length=4096)
    method = models.CharField(max_length=16, choices=Method.choices)
    inputs = models.JSONField(help_text="Input annotations' revisions and the weights they had")
    mean_score = models.FloatField(help_text="Mean score over labeled pixels (expert routing)")
    disagreement = models.FloatField(help_text="Share of labeled pixels where the annotators did not all agree")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["task"]
        # expert routing reads the lowest mean scores first (suggested tasks): straight from this index, no sort
        indexes = [models.Index(fields=["mean_score", "-disagreement", "task"], name="consensus_routing_order")]
        constraints = [
            models.CheckConstraint(condition=Q(method__in=[m.value for m in Method]), name="consensus_method_known"),
        ]

    def __str__(self):
        return f"consensus {self.task} ({self.method}, mean {self.mean_score:.2f})"



class ConsensusVersion(models.Model):
    """A task's consensus as an older run left it (copy-on-write, see ConsensusRun); never updated once its run is
    frozen. present=False: the run had no consensus for this task (label and score empty)."""

    run = models.ForeignKey(ConsensusRun, on_delete=models.CASCADE, related_name="versions")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(default=True)
    label = models.BinaryField(max_length=1024, default=bytes)
    score = models.BinaryField(max_length=4096, default=bytes)
    method = models.CharField(max_length=16, blank=True)
    inputs = models.JSONField(default=dict)
    mean_score = models.FloatField(default=0.0)
    disagreement = models.FloatField(default=0.0)
    computed_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["task", "run"]
        constraints = [models.UniqueConstraint(fields=["task", "run"], name="consensusversion_task_run")]

    def __str__(self):
        return f"{self.task} in run {self.run_id}{'' if self.present else ' (none)'}"


class TileFit(models.Model):
    """Dawid–Skene's confusion matrices of one tile in one run (the last fit of the tile while the run was live)."""

    run = models.ForeignKey(ConsensusRun, on_delete=models.CASCADE, related_name="tile_fits")
    tile_id = models.CharField(max_length=8)
    annotators = models.JSONField(help_text="Annotator ids, in the order of the matrices")
    confusion = models.JSONField(help_text="(annotators, 7, 7): row true class 1..7, column the annotator's class")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "tile_id"], name="tilefit_run_tile")]


class AccuracySnapshot(models.Model):
    """An annotator's accuracy as it was after a change (their profile's history). Append-only."""

    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    accuracy = models.FloatField(null=True, help_text="Mean of per-task accuracies (Eq. 1's weight)")
    pooled = models.JSONField(null=True)
    n_reference_tasks = models.PositiveIntegerField()
    n_reference_pixels = models.PositiveIntegerField()

    class Meta:
        ordering = ["annotator", "at"]
        indexes = [models.Index(fields=["annotator", "at"], name="accuracysnapshot_annotator")]
