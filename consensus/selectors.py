"""Readers of consensus data (no writes here: see consensus.services)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q

from annotation.lib.labels import labels_stack_from_bytes
from annotation.selectors import still_labeling, submitted_annotations
from annotation.models import Annotation, ExpertLabel, Status
from imagery.lib.domain import CHIP_SIZE, TASK_SIZE, TASKS_PER_SIDE
from imagery.models import Chip, Task

from consensus import run_selectors
from consensus.lib.codec import scores_stack_from_bytes
from consensus.models import AnnotatorAccuracy, ConsensusLabel
from lcnet_site.campaign import campaign
from lcnet_site import sql
from lcnet_site.sql import ids_in



def chip_consensus(chip: Chip, run=None) -> tuple[np.ndarray, np.ndarray, bool]:
    """The chip's 256×256 consensus label (uint8) and score (float32) assembled from its tasks' ConsensusLabels
    (of the live run; `run`: of that run, live or frozen).

    Tasks without consensus stay 0; complete is True when every task with data has one.
    """
    found = chip_consensus_cells(chip, run)
    return found.label, found.score, found.complete


ChipCells = namedtuple("ChipCells", "label score complete cells computed_at")
ChipCells.__doc__ = """A chip's consensus: label (256, 256) uint8, score float32, complete (every task with data has
one), cells [(row, col, method)] of the tasks with one, computed_at the newest of them (None: none)."""


def chip_consensus_cells(chip: Chip, run=None) -> ChipCells:
    """chip_consensus, with each task's method and the newest computed_at, from the same rows."""
    return chips_consensus_cells([chip.pk], run)[chip.pk]


def chips_consensus_cells(chip_ids, run=None) -> dict[str, ChipCells]:
    """chip_consensus_cells of several chips from two queries in all (three for a frozen run): an export reads its
    chips a block at a time, not three queries a chip."""
    chip_ids = list(chip_ids)
    if (run is None or run.live) and connection.vendor == "postgresql":
        found = _live_cells(chip_ids)
    else:
        found = _cells_by_row(chip_ids, run)
    wanted = {c: set() for c in chip_ids}
    for chip_id, row, col in Task.objects.filter(chip_id__in=chip_ids, has_data=True).values_list(
            "chip_id", "row", "col"):
        wanted[chip_id].add(row * TASKS_PER_SIDE + col)
    out = {}
    for chip_id in chip_ids:
        at, labels, scores, methods, computed_at = found.get(chip_id, (b"", b"", b"", [], None))
        at = np.frombuffer(at, np.uint8)
        label = np.zeros((TASKS_PER_SIDE, TASKS_PER_SIDE, TASK_SIZE, TASK_SIZE), np.uint8)
        score = np.zeros(label.shape, np.float32)
        label[at // TASKS_PER_SIDE, at % TASKS_PER_SIDE] = labels_stack_from_bytes([labels])
        score[at // TASKS_PER_SIDE, at % TASKS_PER_SIDE] = scores_stack_from_bytes(scores)
        out[chip_id] = ChipCells(
            label.transpose(0, 2, 1, 3).reshape(CHIP_SIZE, CHIP_SIZE),
            score.transpose(0, 2, 1, 3).reshape(CHIP_SIZE, CHIP_SIZE),
            wanted[chip_id] <= set(at.tolist()),
            [(int(a) // TASKS_PER_SIDE, int(a) % TASKS_PER_SIDE, m) for a, m in zip(at, methods)], computed_at)
    return out


_LIVE_CELLS_KINDS = [sql.TEXT, sql.BYTEA, sql.BYTEA, sql.BYTEA, sql.TEXT, sql.TIMESTAMPTZ]


def _live_cells(chip_ids) -> dict[str, tuple]:
    """Postgres, live rows: {chip: (task positions row * 8 + col as bytes, their labels and scores concatenated in
    that order, methods, newest computed_at)}, one row a chip through a binary COPY (5 KB of bytea a task, not
    twice that in hex, and one value a chip to decode, not seven a task)."""
    query = f"""
        SELECT t.chip_id, string_agg(set_byte('\\x00'::bytea, 0, t.row * {TASKS_PER_SIDE} + t.col), ''::bytea
                                      ORDER BY t.row, t.col),
               string_agg(c.label, ''::bytea ORDER BY t.row, t.col),
               string_agg(c.score, ''::bytea ORDER BY t.row, t.col),
               string_agg(c.method, ',' ORDER BY t.row, t.col), max(c.computed_at)
        FROM consensus_consensuslabel c JOIN imagery_task t ON t.id = c.task_id
        WHERE t.chip_id = ANY(%s) GROUP BY t.chip_id"""
    with connection.cursor() as cur:
        rows = sql.copy_out(cur, query, [chip_ids], _LIVE_CELLS_KINDS)
    return {c: (at, labels, scores, methods.split(","), computed_at)  # method names hold no comma (Method)
            for c, at, labels, scores, methods, computed_at in rows}


def _cells_by_row(chip_ids, run) -> dict[str, tuple]:
    """_live_cells of a frozen run (or on SQLite), gathered here from one row a task."""
    if run is None or run.live:
        rows = ConsensusLabel.objects.filter(task__chip_id__in=chip_ids).values_list(
            "task__chip_id", "task__row", "task__col", "label", "score", "method", "computed_at")
    else:
        found = run_selectors.run_rows(run, chip_ids=chip_ids)
        cells = {pk: (c, r, k) for pk, c, r, k in
                 Task.objects.filter(pk__in=ids_in(found)).values_list("pk", "chip_id", "row", "col")}
        rows = [(*cells[t], r.label, r.score, r.method, r.computed_at) for t, r in found.items()]
    by_chip: dict[str, list] = {}
    for chip_id, row, col, label, score, method, computed_at in rows:
        by_chip.setdefault(chip_id, []).append((row * TASKS_PER_SIDE + col, bytes(label), bytes(score), method,
                                                computed_at))
    out = {}
    for chip_id, tasks in by_chip.items():
        tasks.sort(key=lambda r: r[0])
        out[chip_id] = (bytes(r[0] for r in tasks), b"".join(r[1] for r in tasks), b"".join(r[2] for r in tasks),
                        [r[3] for r in tasks], max(r[4] for r in tasks))
    return out


def complete_task_ids(task_ids=None, *, tile_id=None, count: int) -> list[int]:
    """Ids (sorted) of the given tasks (or a tile's, or all) on chips not frozen with `count` submissions by the
    chip's active annotators: one aggregate query, no labels read."""
    rows = submitted_annotations(task_ids, tile_id=tile_id).filter(task__chip__freeze__isnull=True)
    # n > count: the task's extra annotator (a weak consensus) submitted too
    done = rows.order_by().values("task_id").annotate(n=Count("annotator_id", distinct=True)).filter(n__gte=count)
    return sorted(done.values_list("task_id", flat=True))


def rerun_work(*, method: str, count: int) -> tuple[list[int], list[int]] | None:
    """What a campaign-wide rerun has to do, on chips not frozen: (tasks with `count` submissions whose stored
    consensus was not computed by `method` from those submissions — annotation ids and revisions, as
    inputs["annotations"] records them —, tasks with a consensus but fewer submissions), both sorted. One aggregate
    query over the submissions, no labels read. Postgres only (None elsewhere: the caller compares tile by tile,
    services._changed, the same rule)."""
    if connection.vendor != "postgresql":
        return None
    rows = submitted_annotations().filter(task__chip__freeze__isnull=True).order_by().values(
        "task_id", "id", "annotator_id", "revision")
    subs, params = rows.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cur:
        # one sort and aggregate over every submission: in memory, and not worth compiling (JIT costs a second)
        cur.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
        cur.execute(
            f"""WITH s AS (
                    SELECT task_id, count(DISTINCT annotator_id) AS n,
                           jsonb_agg(jsonb_build_object('annotation', id, 'annotator', annotator_id,
                                                        'revision', revision) ORDER BY annotator_id) AS used
                    FROM ({subs}) AS sub GROUP BY task_id)
                SELECT s.task_id, true FROM s LEFT JOIN consensus_consensuslabel c ON c.task_id = s.task_id
                WHERE s.n >= %s AND (c.task_id IS NULL OR c.method <> %s
                                     OR (c.inputs -> 'annotations') IS DISTINCT FROM s.used)
                UNION ALL
                SELECT c.task_id, false FROM consensus_consensuslabel c
                JOIN imagery_task t ON t.id = c.task_id
                LEFT JOIN annotation_chipfreeze f ON f.chip_id = t.chip_id
                LEFT JOIN s ON s.task_id = c.task_id
                WHERE f.chip_id IS NULL AND (s.task_id IS NULL OR s.n < %s)""", [*params, count, method, count])
        found = cur.fetchall()
    return sorted(t for t, changed in found if changed), sorted(t for t, changed in found if not changed)


def stale_task_ids(*, count: int, limit: int) -> list[int]:
    """Tasks on chips not frozen with `count` submissions whose consensus is missing or older than their latest
    submission (candidates: the caller checks the revisions), oldest first. One aggregate query, no labels read."""
    rows = submitted_annotations().filter(task__chip__freeze__isnull=True).values("task_id").annotate(
        n=Count("annotator_id", distinct=True), last=Max("submitted_at"), at=Max("task__consensus__computed_at"))
    stale = rows.filter(n__gte=count).filter(Q(at__isnull=True) | Q(at__lt=F("last")))
    return list(stale.order_by("last").values_list("task_id", flat=True)[:limit])


Submission = namedtuple("Submission", ["id", "task_id", "annotator_id", "revision", "labels"])  # an Annotation's
_SUBMISSION_KINDS = [sql.INT8, sql.INT8, sql.INT8, sql.INT8, sql.BYTEA]                       # attribute names


def submissions(task_ids, *, open_chips: bool = False) -> dict[int, list]:
    """{task id: submitted annotations by the chip's active annotators, ordered by annotator} for these tasks
    (open_chips: none of tasks on frozen chips)."""
    grouped: dict[int, list] = {}
    rows = submitted_annotations(task_ids).order_by("task_id", "annotator_id")
    if open_chips:
        rows = rows.filter(task__chip__freeze__isnull=True)
    # rows as named tuples with the model's attribute names: thousands per batch, no model instance each
    rows = rows.values_list(*Submission._fields)
    if connection.vendor == "postgresql":  # through a binary COPY: the labels' bytes as they are, not as hex
        query, params = rows.query.sql_with_params()
        with connection.cursor() as cur:
            found = [Submission(*r) for r in sql.copy_out(cur, query, params, _SUBMISSION_KINDS)]
    else:
        found = [Submission(*r) for r in rows]
    for ann in found:
        grouped.setdefault(ann.task_id, []).append(ann)
    return grouped


def submission_revisions(task_ids) -> dict[int, list[dict]]:
    """{task id: [{annotation, annotator, revision}] of its submissions by the chip's active annotators, ordered by
    annotator} (what a consensus row records in inputs["annotations"]); metadata only, no labels read."""
    grouped: dict[int, list[dict]] = {}
    rows = submitted_annotations(task_ids).order_by("task_id", "annotator_id")
    for task_id, pk, annotator_id, revision in rows.values_list("task_id", "id", "annotator_id", "revision"):
        grouped.setdefault(task_id, []).append({"annotation": pk, "annotator": annotator_id, "revision": revision})
    return grouped


def without_weights(inputs: dict) -> dict:
    """A consensus row's inputs but the weights: a recompute whose weights moved but whose label and score did not
    writes nothing (the weights recorded are those of the last write that changed something)."""
    return {k: v for k, v in (inputs or {}).items() if k != "weights"}


def consensus_revisions(task_ids) -> dict[int, tuple[str, list[dict]]]:
    """{task id: (method, inputs["annotations"])} of the stored consensus of these tasks (only that part of the
    JSON is read)."""
    rows = ConsensusLabel.objects.filter(task_id__in=list(task_ids))
    return {t: (method, used) for t, method, used in rows.values_list("task_id", "method", "inputs__annotations")}


def reference_labels(task_ids=None) -> dict[int, ExpertLabel]:
    """{task id: the latest submitted expert label} over reference tasks (several experts: the latest counts).
    A task an admin removed from the references keeps its expert labels as history, but they no longer count."""
    rows = ExpertLabel.objects.filter(status=Status.SUBMITTED, task__reference__isnull=False)
    if task_ids is not None:
        rows = rows.filter(task_id__in=list(task_ids))
    return {label.task_id: label for label in rows.order_by("task_id", "submitted_at", "pk")}


def reference_annotations() -> list[Annotation]:
    """Every submitted annotation of a task that has a submitted expert label (blind overlap: accuracy's input)."""
    refs = ExpertLabel.objects.filter(status=Status.SUBMITTED, task__reference__isnull=False).values("task_id")
    return list(
        Annotation.objects.filter(status=Status.SUBMITTED, task_id__in=refs)
        .order_by("annotator_id", "task_id")
        .only("id", "task_id", "annotator_id", "revision", "labels")
    )


def tasks_to_reweigh(annotator_ids) -> list[int]:
    """Tasks (sorted) whose consensus a weight change of these annotators can change: those they submitted where
    the stored consensus records disagreement (elsewhere every weight gives the same label and score 1)."""
    theirs = Annotation.objects.filter(annotator_id__in=list(annotator_ids), status=Status.SUBMITTED)
    rows = ConsensusLabel.objects.filter(disagreement__gt=0, task_id__in=theirs.values("task_id"))
    return sorted(rows.order_by().values_list("task_id", flat=True))  # no ordering: no join to task and chip


def annotator_weights(annotator_ids) -> dict[int, float]:
    """Accuracy of each annotator, or the prior accuracy where they have no reference task yet."""
    known = dict(
        AnnotatorAccuracy.objects.filter(annotator_id__in=annotator_ids, accuracy__isnull=False).values_list(
            "annotator_id", "accuracy"
        )
    )
    return {a: known.get(a, campaign().prior_accuracy) for a in annotator_ids}


def suggested_tasks(user):
    """Consensus of tasks that are not references yet (on chips not frozen), lowest mean score and most
    disagreement first; never of a task `user` still labels as an annotator (an expert who also annotates must not
    see the consensus of their own chips)."""
    return (
        ConsensusLabel.objects.filter(task__reference__isnull=True, task__chip__freeze__isnull=True)
        .exclude(still_labeling(user, prefix="task__"))
        .select_related("task")
        .only("task_id", "mean_score", "disagreement", "method", "computed_at", "task__chip_id", "task__row",
              "task__col")  # not each row's label, score and inputs: 5 kB a row read and decoded for nothing
        .order_by("mean_score", "-disagreement", "task_id")
    )


def consensus_count(tile_id: str | None = None) -> int:
    """How many tasks (of a tile, or all) have a consensus label."""
    rows = ConsensusLabel.objects.all()
    return (rows.filter(task__chip__tile_id=tile_id) if tile_id else rows).count()


def weak_override_references(task_ids) -> dict[int, ExpertLabel]:
    """{task id: latest submitted expert label} of tasks sent to the experts because their consensus was weak: that
    label overrides their consensus (docs/consensus.md, "Policies")."""
    from annotation.models import ReferenceTask

    weak = ReferenceTask.objects.filter(task_id__in=ids_in(task_ids), chosen_by=WEAK_CONSENSUS).values("task_id")
    rows = ExpertLabel.objects.filter(status=Status.SUBMITTED, task_id__in=weak).order_by("task_id", "submitted_at", "pk")
    return {label.task_id: label for label in rows}


WEAK_CONSENSUS = "weak consensus"  # ReferenceTask.chosen_by of a task the policy sent to the experts


def is_weak_reference(task_id) -> bool:
    from annotation.models import ReferenceTask

    return ReferenceTask.objects.filter(task_id=task_id, chosen_by=WEAK_CONSENSUS).exists()
