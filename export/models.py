"""Summaries the export and the dataset figures read instead of the whole campaign."""
from django.db import models

from imagery.models import Chip, Tile


class ChipSummary(models.Model):
    """One chip's consensus in figures, recounted from the chip's consensus rows (64 at most) each time consensus
    announces a change of them (consensus.events.consensus_changed, in the same transaction).

    The export list, the dataset figures and the progress page add these rows up instead of reading every task's
    consensus; export.summaries.chip_summaries_rebuild recounts them all and gives the same rows. Counts are over
    the chip's tasks with data; a chip without any consensus has no row."""

    chip = models.OneToOneField(Chip, primary_key=True, on_delete=models.CASCADE, related_name="summary")
    tile = models.ForeignKey(Tile, on_delete=models.CASCADE, related_name="+", db_index=False)
    n_tasks = models.PositiveSmallIntegerField(help_text="tasks with data")
    n_done = models.PositiveSmallIntegerField(help_text="of them with a consensus label")
    complete = models.BooleanField(help_text="every task with data has a consensus label")
    mean_score = models.FloatField(help_text="mean of the tasks' mean scores, 0..1")
    class_pixels = models.BinaryField(help_text="int64[8]: pixels per class code of the consensus labels")
    percent_pixels = models.BinaryField(help_text="int64[101]: labeled pixels per integer score percent")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["chip"]
        indexes = [models.Index(fields=["tile", "chip"], name="chipsummary_tile")]

    def __str__(self):
        return f"summary of {self.chip_id}: {self.n_done}/{self.n_tasks}"
