"""Readers for the dataset figures: class and score counts over every consensus, and labeling progress."""
from __future__ import annotations

from django.db.models import Count, F, Q

from annotation.models import Annotation, ExpertLabel, ReferenceTask, Status
from imagery.models import Chip, Task

from consensus.models import ConsensusLabel
from consensus.selectors import label_array, score_array
from export.lib.stats import DatasetStats


def dataset_stats(*, tile: str | None = None) -> DatasetStats:
    """Pixel counts per class and per score percent over all tasks with consensus (streamed, constant memory)."""
    stats = DatasetStats()
    rows = ConsensusLabel.objects.filter(task__has_data=True)
    if tile:
        rows = rows.filter(task__chip__tile_id=tile)
    for raw_label, raw_score in rows.values_list("label", "score").iterator(chunk_size=2000):
        stats.add(label_array(raw_label), score_array(raw_score))
    return stats


def progress() -> dict:
    """Chips done, tasks submitted and reference coverage, for the admin dashboard."""
    chips = Chip.objects.annotate(
        n_tasks=Count("tasks", filter=Q(tasks__has_data=True)),
        n_done=Count("tasks__consensus", filter=Q(tasks__has_data=True)),
    )
    n_chips = chips.count()
    tasks = Task.objects.filter(has_data=True)
    refs = ReferenceTask.objects.all()
    return {
        "chips": n_chips,
        "chips_complete": chips.filter(n_tasks__gt=0, n_done=F("n_tasks")).count(),
        "chips_started": chips.filter(n_done__gt=0).count(),
        "tasks": tasks.count(),
        "tasks_with_consensus": tasks.filter(consensus__isnull=False).count(),
        "annotations_submitted": Annotation.objects.filter(status=Status.SUBMITTED).count(),
        "reference_tasks": refs.count(),
        "reference_tasks_labeled": refs.filter(
            task__in=ExpertLabel.objects.filter(status=Status.SUBMITTED).values("task")
        ).count(),
        "chips_with_reference": refs.values("task__chip").distinct().count(),
    }
