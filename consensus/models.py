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


class ConsensusLabel(models.Model):
    """The merged label of one task and its per-pixel consensus score."""

    task = models.OneToOneField(Task, primary_key=True, on_delete=models.CASCADE, related_name="consensus")
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

