"""Writers of export's summaries (the only code that changes ChipSummary rows). docs/operations.md, "Indexes and
summaries"."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from django.db.models import Count
from django.utils import timezone

from consensus.models import ConsensusLabel
from annotation.lib.labels import labels_stack_from_bytes
from consensus.lib.codec import score_from_bytes
from imagery.models import Chip, Task
from lcnet_site.sql import ids_in

from export.lib.stats import DatasetStats
from export.models import ChipSummary

BATCH_CHIPS = 64  # chips recounted per query (64 × 64 tasks × 5 kB of label and score)


def on_consensus_changed(sender, chip_ids, rows=None, **kwargs) -> None:
    chip_summaries_refresh(chip_ids=chip_ids, written=rows)


def chip_summaries_refresh(*, chip_ids: Iterable[str], written: dict | None = None) -> int:
    """Recount these chips' summaries from their consensus rows; a chip left without consensus loses its row.
    `written`: {task id: (label, score, mean_score)} of rows the caller just wrote (consensus_changed's rows), not
    read again. Returns the number of chips recounted."""
    chip_ids = sorted(set(chip_ids))
    for start in range(0, len(chip_ids), BATCH_CHIPS):
        _refresh(chip_ids[start : start + BATCH_CHIPS], written)
    return len(chip_ids)


def chip_summaries_rebuild(progress=lambda items: items) -> int:
    """Recount every chip's summary from scratch (repair, or after loading consensus rows by other means)."""
    chips = list(Chip.objects.order_by("pk").values_list("pk", flat=True))
    batches = [chips[i : i + BATCH_CHIPS] for i in range(0, len(chips), BATCH_CHIPS)]
    for batch in progress(batches):
        _refresh(batch)
    return len(chips)


def _refresh(chip_ids: list[str], written: dict | None = None) -> None:
    written = written or {}
    totals = dict(Task.objects.filter(chip_id__in=chip_ids, has_data=True).values("chip_id").annotate(n=Count("pk"))
                  .values_list("chip_id", "n"))
    tiles = dict(Chip.objects.filter(pk__in=chip_ids).values_list("pk", "tile_id"))
    raws: dict[str, tuple[list, list]] = {}
    scores: dict[str, list[float]] = {}
    rows = ConsensusLabel.objects.filter(task__chip_id__in=chip_ids, task__has_data=True)
    found = list(rows.order_by("task_id").values_list("task_id", "task__chip_id"))
    unread = [t for t, _ in found if t not in written]
    stored = {t: (label, score, mean) for t, label, score, mean in ConsensusLabel.objects.filter(
        task_id__in=ids_in(unread)).values_list("task_id", "label", "score", "mean_score").iterator(chunk_size=512)
    } if unread else {}
    for task_id, chip_id in found:
        raw_label, raw_score, mean = written[task_id] if task_id in written else stored[task_id]
        labels, chip_scores = raws.setdefault(chip_id, ([], []))
        labels.append(raw_label)
        chip_scores.append(raw_score)
        scores.setdefault(chip_id, []).append(mean)
    stats: dict[str, DatasetStats] = {}
    for chip_id, (labels, chip_scores) in raws.items():  # one count per chip over its stacked tasks
        stats[chip_id] = DatasetStats()
        stats[chip_id].add(labels_stack_from_bytes(labels), np.stack([score_from_bytes(r) for r in chip_scores]))
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
