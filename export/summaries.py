"""Writers of export's summaries (the only code that changes ChipSummary rows). docs/operations.md, "Indexes and
summaries"."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db.models import Count
from django.utils import timezone

from consensus.models import ConsensusLabel
from annotation.lib.labels import labels_from_bytes
from consensus.lib.codec import score_from_bytes
from imagery.models import Chip, Task

from export.lib.stats import DatasetStats
from export.models import ChipSummary

BATCH_CHIPS = 64  # chips recounted per query (64 × 64 tasks × 5 kB of label and score)


def on_consensus_changed(sender, chip_ids, **kwargs) -> None:
    chip_summaries_refresh(chip_ids=chip_ids)


def chip_summaries_refresh(*, chip_ids: Iterable[str]) -> int:
    """Recount these chips' summaries from their consensus rows; a chip left without consensus loses its row.
    Returns the number of chips recounted."""
    chip_ids = sorted(set(chip_ids))
    for start in range(0, len(chip_ids), BATCH_CHIPS):
        _refresh(chip_ids[start : start + BATCH_CHIPS])
    return len(chip_ids)


def chip_summaries_rebuild(progress=lambda items: items) -> int:
    """Recount every chip's summary from scratch (repair, or after loading consensus rows by other means)."""
    chips = list(Chip.objects.order_by("pk").values_list("pk", flat=True))
    batches = [chips[i : i + BATCH_CHIPS] for i in range(0, len(chips), BATCH_CHIPS)]
    for batch in progress(batches):
        _refresh(batch)
    return len(chips)


def _refresh(chip_ids: list[str]) -> None:
    totals = dict(Task.objects.filter(chip_id__in=chip_ids, has_data=True).values("chip_id").annotate(n=Count("pk"))
                  .values_list("chip_id", "n"))
    tiles = dict(Chip.objects.filter(pk__in=chip_ids).values_list("pk", "tile_id"))
    stats: dict[str, DatasetStats] = {}
    scores: dict[str, list[float]] = {}
    rows = ConsensusLabel.objects.filter(task__chip_id__in=chip_ids, task__has_data=True).values_list(
        "task__chip_id", "label", "score", "mean_score")
    for chip_id, raw_label, raw_score, mean in rows.iterator(chunk_size=512):
        stats.setdefault(chip_id, DatasetStats()).add(labels_from_bytes(raw_label), score_from_bytes(raw_score))
        scores.setdefault(chip_id, []).append(mean)
    now = timezone.now()
    keep = [
        ChipSummary(
            chip_id=c, tile_id=tiles[c], n_tasks=totals.get(c, 0), n_done=len(scores[c]),
            complete=len(scores[c]) == totals.get(c, 0), mean_score=float(np.mean(scores[c])),
            class_pixels=stats[c].class_counts.tobytes(), percent_pixels=stats[c].percent_counts.tobytes(),
            updated_at=now,
        )
        for c in chip_ids if c in scores and c in tiles
    ]
    ChipSummary.objects.filter(chip_id__in=[c for c in chip_ids if c not in scores]).delete()
    ChipSummary.objects.bulk_create(
        keep, update_conflicts=True, unique_fields=["chip"],
        update_fields=["tile", "n_tasks", "n_done", "complete", "mean_score", "class_pixels", "percent_pixels",
                       "updated_at"],
    )
