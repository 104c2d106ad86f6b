"""Readers of consensus runs: a run's consensus of any task (live or frozen, see consensus.models.ConsensusRun),
the comparison of two runs, the run the export serves."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Min, Q

from annotation.lib.labels import labels_from_bytes
from annotation.models import ExpertLabel, Status
from imagery.lib.domain import CLASS_NAMES, N_CLASSES
from lcnet_site.errors import NotFound

from consensus.models import ConsensusLabel, ConsensusRun, ConsensusVersion


@dataclass(frozen=True)
class RunRow:
    """A task's consensus: as a recompute writes it (its time and run still unset), or as read from a run (the
    fields of ConsensusLabel that a run's reader needs)."""

    task_id: int
    label: bytes
    score: bytes
    method: str
    inputs: dict
    mean_score: float
    disagreement: float
    computed_at: object = None
    written_in: int | None = None  # the run whose recompute wrote it


def first_run_id() -> int | None:
    return ConsensusRun.objects.aggregate(first=Min("pk"))["first"]


def live_run() -> ConsensusRun | None:
    return ConsensusRun.objects.filter(live=True).first()


def get_run(run_id) -> ConsensusRun:
    run = ConsensusRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"no consensus run {run_id}")
    return run


def exported_run() -> ConsensusRun | None:
    """The run the export serves: the one an admin chose, else the live run (None: no run yet, the live rows)."""
    return ConsensusRun.objects.filter(Q(exported=True) | Q(live=True)).order_by("-exported").first()


def reference_set() -> dict:
    """{task id: {"expert_label", "revision"}} of the latest submitted expert label of each reference task."""
    rows = (ExpertLabel.objects.filter(status=Status.SUBMITTED, task__reference__isnull=False)
            .order_by("task_id", "submitted_at", "pk").values_list("task_id", "pk", "revision"))
    return {str(t): {"expert_label": pk, "revision": rev} for t, pk, rev in rows}


def run_rows(run: ConsensusRun | None, *, chip_id=None, chip_ids=None, tile_id=None, task_ids=None
             ) -> dict[int, RunRow]:
    """{task id: RunRow} of a run's consensus over a chip (or chips), a tile, tasks, or everything (None or live:
    the live rows). Two queries for a frozen run: its live rows, then the newest version ≤ run of the other tasks."""
    where = Q()
    if chip_id is not None:
        where &= Q(task__chip_id=chip_id)
    if chip_ids is not None:
        where &= Q(task__chip_id__in=list(chip_ids))
    if tile_id is not None:
        where &= Q(task__chip__tile_id=tile_id)
    if task_ids is not None:
        where &= Q(task_id__in=list(task_ids))
    fields = ["task_id", "label", "score", "method", "inputs", "mean_score", "disagreement", "computed_at"]
    live = ConsensusLabel.objects.filter(where)
    if run is not None and not run.live:
        live = live.filter(Q(run__isnull=True) | Q(run_id__lte=run.pk))
    out = {r[0]: RunRow(*(bytes(v) if isinstance(v, memoryview) else v for v in r))
           for r in live.values_list(*fields, "run_id").order_by("task_id")}
    if run is None or run.live:
        return out
    versions = (ConsensusVersion.objects.filter(where, run_id__lte=run.pk).exclude(task_id__in=list(out))
                .order_by("task_id", "-run_id").values_list(*fields, "run_id", "present"))
    seen = set()
    for *values, present in versions:  # newest version of each task first (a task has a few at most)
        if values[0] in seen:
            continue
        seen.add(values[0])
        if present:
            out[values[0]] = RunRow(*(bytes(v) if isinstance(v, memoryview) else v for v in values))
    return dict(sorted(out.items()))


def touched_task_ids(a: ConsensusRun, b: ConsensusRun) -> list[int]:
    """Tasks whose consensus can differ between two runs: written under a run after the older one, up to the newer."""
    lo, hi = sorted((a.pk, b.pk))
    live = ConsensusLabel.objects.filter(run_id__gt=lo, run_id__lte=hi).values_list("task_id", flat=True)
    kept = ConsensusVersion.objects.filter(run_id__gt=lo, run_id__lte=hi).values_list("task_id", flat=True)
    return sorted(set(live) | set(kept))


def runs_compare(a: ConsensusRun, b: ConsensusRun, *, batch: int = 2048) -> dict:
    """Pixels whose label differs between run a and run b, in all and per class: an 8×8 table (rows a's class,
    columns b's; 0 = no consensus), tasks changed. Reads only the tasks written between the two runs."""
    table = np.zeros((N_CLASSES, N_CLASSES), np.int64)
    ids, tasks_changed = touched_task_ids(a, b), 0
    empty = np.zeros(1024, np.uint8)
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        in_a, in_b = run_rows(a, task_ids=part), run_rows(b, task_ids=part)
        for t in part:
            la = labels_from_bytes(in_a[t].label).ravel() if t in in_a else empty
            lb = labels_from_bytes(in_b[t].label).ravel() if t in in_b else empty
            if (la != lb).any():
                tasks_changed += 1
            np.add.at(table, (la, lb), 1)
    off = table.copy()
    np.fill_diagonal(off, 0)
    per_class = [{"code": c, "name": CLASS_NAMES[c], "pixels_a": int(table[c, :].sum()), "pixels_b": int(table[:, c].sum()),
                  "changed_from": int(off[c, :].sum()), "changed_to": int(off[:, c].sum())} for c in range(N_CLASSES)]
    return {"a": a.pk, "b": b.pk, "tasks_compared": len(ids), "tasks_changed": tasks_changed,
            "pixels_changed": int(off.sum()), "table": table.tolist(), "per_class": per_class}


def run_storage(run: ConsensusRun) -> dict:
    """Rows a run keeps of its own: live rows written under it (while live) and versions kept for it."""
    return {"live_rows": ConsensusLabel.objects.filter(run=run).count(),
            "versions": ConsensusVersion.objects.filter(run=run, present=True).count()}


_CHIP_FIGURES = """
WITH live AS (
    SELECT c.task_id, c.mean_score FROM consensus_consensuslabel c WHERE COALESCE(c.run_id, 0) <= %(run)s
), kept AS (
    SELECT v.task_id, v.mean_score, v.present FROM consensus_consensusversion v
    WHERE v.run_id = (SELECT MAX(w.run_id) FROM consensus_consensusversion w
                      WHERE w.task_id = v.task_id AND w.run_id <= %(run)s)
      AND NOT EXISTS (SELECT 1 FROM live WHERE live.task_id = v.task_id)
), state AS (
    SELECT task_id, mean_score FROM live UNION ALL SELECT task_id, mean_score FROM kept WHERE present
), done AS (
    SELECT t.chip_id, COUNT(*) AS n_done, AVG(s.mean_score) AS mean_score
    FROM state s JOIN imagery_task t ON t.id = s.task_id AND t.has_data GROUP BY t.chip_id
)
SELECT d.chip_id, (SELECT COUNT(*) FROM imagery_task t WHERE t.chip_id = d.chip_id AND t.has_data), d.n_done,
       d.mean_score
FROM done d
"""


def run_chip_figures(run: ConsensusRun) -> dict[str, tuple[int, int, float]]:
    """{chip id: (tasks with data, of them with consensus in the run, mean of their mean scores)} of a frozen run,
    in one query (what ChipSummary holds for the live run)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(_CHIP_FIGURES, {"run": run.pk})
        return {chip: (int(n), int(done), float(mean)) for chip, n, done, mean in cur.fetchall()}


def calibration_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """What consensus.lib.calibration.cross_validated needs, from every reference task with a submitted expert label
    and all its submissions by the chip's annotators: labels (T, n, 1024), annotators (T, n), truth (T, 1024),
    task ids. Each pixel's label is judged against the expert's."""
    from annotation.policy import annotators_per_chip
    from consensus.selectors import reference_labels, submissions

    from annotation.models import ReferenceTask
    from consensus.selectors import WEAK_CONSENSUS

    # tasks sent to the experts for their weak consensus are no random sample: they would bias the map
    weak = set(ReferenceTask.objects.filter(chosen_by=WEAK_CONSENSUS).values_list("task_id", flat=True))
    refs = {t: e for t, e in reference_labels().items() if t not in weak}
    subs = submissions(list(refs))
    n = annotators_per_chip()
    ids = sorted(t for t in refs if len(subs.get(t, ())) == n)
    labels = np.zeros((len(ids), n, 1024), np.uint8)
    annotators = np.full((len(ids), n), -1, np.int64)
    truth = np.zeros((len(ids), 1024), np.uint8)
    for i, t in enumerate(ids):
        truth[i] = labels_from_bytes(refs[t].labels).ravel()
        for j, ann in enumerate(subs[t]):
            labels[i, j], annotators[i, j] = labels_from_bytes(ann.labels).ravel(), ann.annotator_id
    return labels, annotators, truth, ids


def _calibration_fit(run: ConsensusRun | None, method: str) -> dict | None:
    return ((run.calibration or {}) if run is not None else {}).get(method)


def has_calibration(run: ConsensusRun | None, method: str) -> bool:
    """Whether the run has a calibration map for the method (probability() is then not None)."""
    return bool(_calibration_fit(run, method))


def probability(run: ConsensusRun | None, method: str, score: np.ndarray) -> np.ndarray | None:
    """The calibrated probability that each pixel's label is right (float32 0..1), from the run's map for the method
    that computed the score; None when the run has no calibration for it (too few reference tasks yet)."""
    from consensus.lib import calibration

    fit = _calibration_fit(run, method)
    return None if not fit else calibration.apply(fit, score)
