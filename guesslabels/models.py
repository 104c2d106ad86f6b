"""Guess labels: the reference land cover of a tile, training runs of its model, and the guess raster per chip."""

from django.db import models
from django.db.models import Q

from imagery.models import Chip, Task, Tile


class ReferenceRaster(models.Model):
    """The land-cover map a tile's model learns from (e.g. GlobeLand30), with the table mapping its codes to
    LandCoverNet classes. One per tile: registering another replaces it. The file lives in storage so that any
    worker can read it; it must be on the chips' grid (same CRS, pixel size and alignment)."""

    tile = models.OneToOneField(Tile, primary_key=True, on_delete=models.CASCADE, related_name="reference_raster")
    file = models.FileField(max_length=300)
    source = models.CharField(max_length=500, help_text="Where the raster was registered from")
    mapping_name = models.CharField(max_length=200)
    mapping = models.JSONField(help_text='{"source code": LandCoverNet class}, as read from the mapping table')
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"reference of {self.tile_id} ({self.mapping_name})"


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TrainingRun(models.Model):
    """One training of a tile's Balanced Random Forest, then prediction of all its chips."""

    tile = models.ForeignKey(Tile, on_delete=models.CASCADE, related_name="guess_runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    error = models.TextField(blank=True, help_text="Why the run failed (bad input is reported here)")
    seed = models.PositiveIntegerField(default=0)
    reference_name = models.CharField(max_length=500, blank=True)
    extra_chips = models.JSONField(default=list, blank=True,
                                   help_text="Chips of other tiles whose pixels also train this model (not predicted)")
    params = models.JSONField(default=dict, help_text="Model parameters and sampling choices")
    metrics = models.JSONField(default=dict, help_text="Held-out metrics, class counts before/after filtering")
    notices = models.JSONField(default=list, help_text="Things the run skipped or decided, in words")
    model_file = models.FileField(max_length=300, blank=True)
    plot_file = models.FileField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tile"], condition=Q(status__in=["queued", "running"]), name="guessrun_one_active_per_tile"
            ),
        ]

    def __str__(self):
        return f"run {self.pk} of {self.tile_id} ({self.status})"

    @property
    def overall_accuracy(self):
        return self.metrics.get("overall_accuracy")


class GuessLabel(models.Model):
    """The current guess of a chip: a 256×256 uint8 raster at guess/<tile>/<chip>.tif.

    Tasks someone had already edited when a run finished keep their earlier guess (kept_tasks), so that every
    annotator of a task starts from the same guess."""

    chip = models.OneToOneField(Chip, primary_key=True, on_delete=models.CASCADE, related_name="guess_label")
    run = models.ForeignKey(TrainingRun, null=True, on_delete=models.SET_NULL, related_name="guess_labels")
    file = models.FileField(max_length=300)
    kept_tasks = models.PositiveSmallIntegerField(default=0, help_text="Edited tasks that kept their earlier guess")
    class_counts = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"guess of {self.chip_id}"


class KeptGuess(models.Model):
    """A task someone started labeling from its current guess. Later runs keep that task's guess, so that every
    annotator of a task starts from the same guess; annotation records it on a task's first save."""

    task = models.OneToOneField(Task, primary_key=True, on_delete=models.CASCADE, related_name="kept_guess")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"guess of task {self.task_id} kept"
