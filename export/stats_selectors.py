"""Readers for the dataset figures: class and score counts over every consensus, and labeling progress."""
from __future__ import annotations

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from annotation.models import Assignment, ExpertLabel, ReferenceTask, Status
from imagery.models import Chip, Task

from export.lib.stats import DatasetStats
from export.models import ChipSummary


def dataset_stats(*, tile: str | None = None) -> DatasetStats:
    """Pixel counts per class and per score percent over all tasks with consensus: the sum of the chip summaries
    (one small row per chip, kept in the transaction that changes a chip's consensus). Summed once per state of
    the summaries (summaries_version: one aggregate query) and kept in the cache, so the dashboard, the two
    figures and their numbers share one sum instead of reading every chip's row on every view."""
    classes, percents = cache.get_or_set(f"lcnet:stats:{summaries_version(tile=tile)}", lambda: _summed(tile), 3600)
    stats = DatasetStats()
    stats.add_counts(np.frombuffer(classes, np.int64), np.frombuffer(percents, np.int64))
    return stats


def _summed(tile: str | None) -> tuple[bytes, bytes]:
    """The summaries' class and percent counters added up (bytes: what the cache keeps)."""
    stats = DatasetStats()
    rows = ChipSummary.objects.all()
    if tile:
        rows = rows.filter(tile_id=tile)
    rows = rows.order_by().values_list("class_pixels", "percent_pixels")  # a sum: no order, no sort
    chunk: list = []
    for row in rows.iterator(chunk_size=2000):
        chunk.append(row)
        if len(chunk) == 2000:
            _add_chunk(stats, chunk)
            chunk = []
    _add_chunk(stats, chunk)
    return stats.class_counts.tobytes(), stats.percent_counts.tobytes()


def _add_chunk(stats: DatasetStats, rows) -> None:
    """Add the counters of a chunk of summaries at once (one array per column, summed), not row by row."""
    if rows:
        classes = np.frombuffer(b"".join(bytes(c) for c, _ in rows), np.int64).reshape(len(rows), -1)
        percents = np.frombuffer(b"".join(bytes(p) for _, p in rows), np.int64).reshape(len(rows), -1)
        stats.add_counts(classes.sum(axis=0), percents.sum(axis=0))


def summaries_version(*, tile: str | None = None) -> str:
    """Changes whenever a chip summary (of the tile) is written or removed: a cache key for figures drawn from them."""
    rows = ChipSummary.objects.all() if not tile else ChipSummary.objects.filter(tile_id=tile)
    state = rows.aggregate(n=Count("pk"), latest=Max("updated_at"))
    return f"{tile or '*'}:{state['n']}:{state['latest'].isoformat() if state['latest'] else '-'}"


def tasks_with_data(*, n_chips: int) -> int:
    """How many tasks have data, given how many chips there are: counted once per set of chips and kept in the
    cache. A task's has_data is fixed when its chip is ingested and tasks come and go only with their chip, so the
    chips' count and the newest task id say when to count again (index reads instead of a count over every task)."""
    latest = Task.objects.aggregate(latest=Max("pk"))["latest"]
    return cache.get_or_set(f"lcnet:tasks-with-data:{latest}:{n_chips}",
                            lambda: Task.objects.filter(has_data=True).count(), 3600)


def progress() -> dict:
    """Chips done, tasks submitted and reference coverage, for the admin dashboard, with `as_of`, when they were
    counted: counted at most once per LCNET_PROGRESS_MAX_AGE_S (settings; 0: every call) and kept in the cache
    meanwhile. A count is a few aggregates over a row per chip and per assignment (~30 ms at 9,000 chips); an
    open dashboard that counted on every view would hold a server thread that long again and again, in the
    annotators' way."""
    max_age = settings.LCNET_PROGRESS_MAX_AGE_S
    if max_age <= 0:
        return _progress_counted()
    return cache.get_or_set("lcnet:progress", _progress_counted, max_age)


def _progress_counted() -> dict:
    """progress() counted now: from the chip summaries and the assignment counters, never a count over every
    task's consensus or every annotation.

    annotations_submitted counts the submitted annotations of the chips' current annotators (the ones consensus
    uses; labels of an annotator taken off a chip are kept as history but no longer count)."""
    as_of = timezone.now()
    done = ChipSummary.objects.aggregate(
        complete=Count("pk", filter=Q(complete=True)), tasks=Sum("n_done"))
    refs = ReferenceTask.objects.all()
    chips = Chip.objects.count()
    return {
        "chips": chips,
        "chips_complete": done["complete"],
        # started = one of its annotators submitted something (consensus comes only once all of them have)
        "chips_started": Assignment.objects.filter(ended_at__isnull=True, n_submitted__gt=0)
        .values("chip_id").distinct().count(),
        "tasks": tasks_with_data(n_chips=chips),
        "tasks_with_consensus": done["tasks"] or 0,
        "annotations_submitted": Assignment.objects.filter(ended_at__isnull=True).aggregate(
            n=Sum("n_submitted"))["n"] or 0,
        "reference_tasks": refs.count(),
        "reference_tasks_labeled": refs.filter(
            task__in=ExpertLabel.objects.filter(status=Status.SUBMITTED).values("task")
        ).count(),
        "chips_with_reference": refs.values("task__chip").distinct().count(),
        "as_of": as_of,
    }
