"""Guess labels: the land-cover maps tiles learn from, training runs of their models, and the guess raster per chip."""

from django.db import models
from django.db.models import Q

from imagery.models import Chip, Task, Tile


class LandCoverMap(models.Model):
    """A land-cover map a model learns from (GlobeLand30, ESA WorldCover, ESA CCI, MODIS IGBP, Dynamic World, ...),
    with the table mapping its codes to LandCoverNet classes. Any CRS and resolution, one file or several tiles of
    one map (a VRT is stored as the files it mosaics): lcnet warps it onto each chip's grid (nearest neighbour).
    `tiles` are the Sentinel-2 tiles it covers; a tile trains on the latest map registered for it."""

    name = models.CharField(max_length=200, help_text="The map's file (or VRT) name")
    files = models.JSONField(default=list, help_text="Storage names of the map's files, in mosaic order")
    description = models.JSONField(default=list, help_text="CRS, resolution, size and bounds of each file")
    source = models.CharField(max_length=1000, help_text="Where the map was registered from")
    mapping_name = models.CharField(max_length=200)
    mapping = models.JSONField(help_text='{"source code": LandCoverNet class}, as read from the mapping table')
    tiles = models.ManyToManyField(Tile, related_name="land_cover_maps", help_text="Tiles whose chips it covers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.mapping_name})"


class GuessSource(models.TextChoices):
    """Where a guess came from, in the order lcnet prefers them for a tile (docs/guesslabels.md)."""

    CONSENSUS = "consensus", "the tile's model retrained on the campaign's consensus labels"
    TILE = "tile", "the tile's own model, trained on its land-cover map"
    CAMPAIGN = "campaign", "the campaign-wide model over every tile with training pixels"
    RULE = "rule", "rule: annual SCL class and NDVI / NDWI"


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TrainingRun(models.Model):
    """One training of a tile's Balanced Random Forest, then prediction of all its chips."""

    tile = models.ForeignKey(Tile, null=True, blank=True, on_delete=models.CASCADE, related_name="guess_runs",
                             help_text="The tile trained and predicted; empty for a campaign-wide run")
    source = models.CharField(max_length=16, choices=[c for c in GuessSource.choices if c[0] != "rule"],
                              default=GuessSource.TILE)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    error = models.TextField(blank=True, help_text="Why the run failed (bad input is reported here)")
    seed = models.PositiveIntegerField(default=0)
    training_sources = models.JSONField(default=dict, blank=True, help_text="What the model learned from: land-cover "
                                        "maps, consensus chips and tasks, tiles")
    extra_chips = models.JSONField(default=list, blank=True,
                                   help_text="Chips of other tiles whose pixels also train this model (not predicted)")
    params = models.JSONField(default=dict, help_text="Model parameters and sampling choices")
    metrics = models.JSONField(default=dict, help_text="Held-out metrics, class counts before/after filtering")
    notices = models.JSONField(default=list, help_text="Things the run skipped or decided, in words")
    model_file = models.FileField(max_length=300, blank=True)
    plot_file = models.FileField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of a running training")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tile"], condition=Q(status__in=["queued", "running"]), name="guessrun_one_active_per_tile"
            ),
            models.UniqueConstraint(  # NULLs are distinct in the constraint above: campaign runs need their own
                fields=["source"], condition=Q(status__in=["queued", "running"], tile__isnull=True),
                name="guessrun_one_active_campaign_run",
            ),
        ]

    def __str__(self):
        return f"run {self.pk} of {self.tile_id or 'the campaign'} ({self.status})"

    @property
    def overall_accuracy(self):
        return self.metrics.get("overall_accuracy")


class GuessLabel(models.Model):
    """The current guess of a chip: a 256×256 uint8 raster at guess/<tile>/<chip>.tif.

    Tasks someone had already edited when a run finished keep their earlier guess (kept_tasks), so that every
    annotator of a task starts from the same guess."""

    chip = models.OneToOneField(Chip, primary_key=True, on_delete=models.CASCADE, related_name="guess_label")
    run = models.ForeignKey(TrainingRun, null=True, on_delete=models.SET_NULL, related_name="guess_labels")
    source = models.CharField(max_length=16, choices=GuessSource.choices, default=GuessSource.TILE)
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
    source = models.CharField(max_length=16, choices=GuessSource.choices, blank=True,
                              help_text="Where the kept guess came from")
    run = models.ForeignKey(TrainingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="kept_guesses",
                            help_text="The run whose guess the task started from (none: a rule-based guess)")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"guess of task {self.task_id} kept"
