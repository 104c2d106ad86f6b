"""Readers for export: which chips are exportable, and one chip's consensus with what its files need."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from django.db.models import F, QuerySet

from imagery.models import Chip, Scene, Task
from lcnet_site.errors import NotFound

from consensus.models import ConsensusLabel, ConsensusRun
from consensus.run_selectors import exported_run, probability, run_chip_figures, run_rows
from imagery.lib.domain import TASK_SIZE
from consensus.selectors import chips_consensus_cells


@dataclass(frozen=True)
class ExportFilters:
    """Chip selection: `tile` MGRS id, `min_score_pct` mean consensus score in percent, `partial` incomplete chips too."""

    tile: str | None = None
    min_score_pct: float | None = None
    partial: bool = False


@dataclass
class ChipExport:
    chip: Chip
    label: np.ndarray  # (256, 256) uint8
    score: np.ndarray  # (256, 256) float32 0..1
    complete: bool
    dates: list[date]
    scene_files: list[str]
    methods: list[str]
    computed_at: datetime | None
    annotator_ids: list[int] = field(default_factory=list)
    run_id: int | None = None  # the consensus run exported (None: no run recorded yet, the live rows)
    confidence: np.ndarray | None = None  # (256, 256) float32: calibrated P(label right); None: run not calibrated


def export_run() -> ConsensusRun | None:
    """The consensus run the export serves (an admin's choice, else the live run)."""
    return exported_run()


def exportable_chips(filters: ExportFilters, run: ConsensusRun | None = None) -> QuerySet[Chip] | list[Chip]:
    """Chips with consensus, annotated with n_tasks (tasks with data), n_done and mean_score (0..1, task mean).

    `run` frozen (an older run chosen for export): a list of chips with those attributes, counted from the run's
    rows in one aggregate query (consensus.run_selectors.run_chip_figures).

    Complete chips only (every task with data has a consensus) unless `partial`. Read from the chip summaries
    (export.models.ChipSummary, kept as consensus changes), one row per chip: the cost of a page does not grow with
    the campaign's tasks.
    """
    if run is not None and not run.live:
        return _frozen_run_chips(filters, run)
    chips = Chip.objects.filter(summary__isnull=False).annotate(
        n_tasks=F("summary__n_tasks"), n_done=F("summary__n_done"), mean_score=F("summary__mean_score"),
    )
    if not filters.partial:
        chips = chips.filter(summary__complete=True)
    if filters.tile:
        chips = chips.filter(summary__tile_id=filters.tile)
    if filters.min_score_pct is not None:
        chips = chips.filter(summary__mean_score__gte=filters.min_score_pct / 100)
    return chips.order_by("id")


def _frozen_run_chips(filters: ExportFilters, run: ConsensusRun) -> list[Chip]:
    figures = run_chip_figures(run)
    chips = Chip.objects.filter(pk__in=list(figures)).order_by("id")
    if filters.tile:
        chips = chips.filter(tile_id=filters.tile)
    out = []
    for chip in chips.select_related("tile"):
        chip.n_tasks, chip.n_done, chip.mean_score = figures[chip.pk]
        if (filters.partial or chip.n_done == chip.n_tasks) and (
                filters.min_score_pct is None or chip.mean_score >= filters.min_score_pct / 100):
            out.append(chip)
    return out


def chip_export(chip: Chip, *, partial: bool, with_annotators: bool = False,
                run: ConsensusRun | None = None) -> ChipExport:
    """The chip's label, score and metadata in `run` (None: the live rows); NotFound when it is incomplete and
    `partial` is not asked for."""
    return chip_exports([chip], partial=partial, with_annotators=with_annotators, run=run)[0]


def chip_exports(chips: list[Chip], *, partial: bool, with_annotators: bool = False,
                 run: ConsensusRun | None = None) -> list[ChipExport]:
    """chip_export of several chips, read together: a few queries per block of chips, not per chip."""
    ids = [c.pk for c in chips]
    consensus = chips_consensus_cells(ids, run=run)
    if not partial and not all(consensus[c].complete for c in ids):
        raise NotFound("This chip's consensus is not complete; ask with ?partial=1 to export what exists.")
    inputs = {c: [] for c in ids}
    if with_annotators and (run is None or run.live):
        for chip_id, used in ConsensusLabel.objects.filter(task__chip_id__in=ids).values_list("task__chip_id",
                                                                                                "inputs"):
            inputs[chip_id].append(used)
    elif with_annotators:
        chip_of = dict(Task.objects.filter(chip_id__in=ids).values_list("pk", "chip_id"))
        for task_id, r in run_rows(run, chip_ids=ids).items():
            inputs[chip_of[task_id]].append(r.inputs)
    scenes = {c: [] for c in ids}
    for chip_id, day, name in Scene.objects.filter(chip_id__in=ids).order_by("chip_id", "date").values_list(
            "chip_id", "date", "file"):
        scenes[chip_id].append((day, name))
    out = []
    for chip in chips:
        found = consensus[chip.pk]
        out.append(ChipExport(
            chip=chip, label=found.label, score=found.score, complete=found.complete,
            dates=[d for d, _ in scenes[chip.pk]], scene_files=[f for _, f in scenes[chip.pk]],
            methods=sorted({method for _, _, method in found.cells}), computed_at=found.computed_at,
            annotator_ids=sorted(_annotator_ids(inputs[chip.pk])) if with_annotators else [],
            run_id=run.pk if run else None, confidence=_confidence(run, found.score, found.cells),
        ))
    return out


def _confidence(run, score, cells) -> np.ndarray | None:
    """Each task's scores through the run's calibration map of the method that computed them (0 where no label);
    None unless the run has a map for every method present."""
    out = np.zeros_like(score, dtype=np.float32)
    for row, col, method in cells:
        window = np.s_[row * TASK_SIZE : (row + 1) * TASK_SIZE, col * TASK_SIZE : (col + 1) * TASK_SIZE]
        p = probability(run, method, score[window])
        if p is None:
            return None
        out[window] = p
    return out


def _annotator_ids(inputs) -> set[int]:
    """Annotator ids named anywhere in ConsensusLabel.inputs (keys "annotator" / "annotator_id")."""
    ids, stack = set(), list(inputs)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in ("annotator", "annotator_id") and isinstance(value, int):
                    ids.add(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return ids


def get_chip(chip_id: str) -> Chip:
    chip = Chip.objects.select_related("tile").filter(pk=chip_id).first()
    if chip is None:
        raise NotFound("No such chip.")
    return chip
