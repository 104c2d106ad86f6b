"""Recompute a run's consensus from what it recorded, and compare bytes (writes nothing).

Each row records its inputs: the annotations' ids and revisions (their labels are read back from the append-only
AnnotationRevision history, so later edits do not matter), Eq. 1's weights (bayes) or the expert label revision
held as truth (Dawid–Skene, refit over the tile's rows in the run exactly as the service fitted them)."""
from __future__ import annotations

import numpy as np

from annotation.lib.labels import labels_stack_from_bytes, labels_to_bytes
from annotation.models import AnnotationRevision, ExpertLabelRevision
from imagery.lib.domain import TASK_SIZE
from imagery.models import Task

from consensus.lib import engine, policy
from consensus.lib.codec import score_to_bytes
from consensus.models import ConsensusRun, Method
from consensus.run_selectors import RunRow, run_rows

BATCH = 2048


def run_reproduce(run: ConsensusRun) -> dict:
    """{"tasks", "identical", "differ": [task ids]} for every task the run has a consensus of, tile by tile."""
    tiles = list(Task.objects.order_by("chip__tile_id").values_list("chip__tile_id", flat=True).distinct())
    total, differ = 0, []
    for tile in tiles:
        rows = run_rows(run, tile_id=tile)
        total += len(rows)
        bayes = [r for r in rows.values() if r.method == Method.BAYES]
        ds = [r for r in rows.values() if r.method == Method.DAWID_SKENE]
        for n in sorted({len(r.inputs["annotations"]) for r in bayes}):  # 3, or 4 with an extra annotator
            group = [r for r in bayes if len(r.inputs["annotations"]) == n]
            for start in range(0, len(group), BATCH):
                differ += _check(group[start : start + BATCH], _bayes)
        if ds:
            differ += _check(ds, _dawid_skene)
    return {"run": run.pk, "tasks": total, "identical": total - len(differ), "differ": sorted(differ)}


def _check(rows: list[RunRow], recompute) -> list[int]:
    labels, scores = recompute(rows)
    return [r.task_id for r, lab, sc in zip(rows, labels, scores)
            if (labels_to_bytes(lab), score_to_bytes(sc)) != (bytes(r.label), bytes(r.score))]


def _stack(rows: list[RunRow]) -> np.ndarray:
    """(n, T, 32, 32): each row's recorded annotation revisions, in the recorded order (rows with n each)."""
    wanted = [(a["annotation"], a["revision"]) for r in rows for a in r.inputs["annotations"]]
    found = {(a, rev): raw for a, rev, raw in AnnotationRevision.objects.filter(
        annotation_id__in={a for a, _ in wanted}, revision__in={rev for _, rev in wanted})
        .values_list("annotation_id", "revision", "labels")}
    stack = labels_stack_from_bytes(found[key] for key in wanted)
    n = len(rows[0].inputs["annotations"])
    return stack.reshape(len(rows), n, TASK_SIZE, TASK_SIZE).transpose(1, 0, 2, 3)


def _bayes(rows):
    labels = _stack(rows)
    weights = np.array([r.inputs["weights"] for r in rows], np.float64).T  # as stored: clipped already
    label, score = engine.bayesian_consensus(labels, weights[:, :, None, None])
    overrides = {r.inputs["expert_override"]["expert_label"]: r.inputs["expert_override"]["revision"]
                 for r in rows if r.inputs.get("expert_override")}
    expert = _expert_revisions(overrides)
    out_label, out_score = list(label), list(score)
    for i, r in enumerate(rows):
        if r.inputs.get("expert_override"):
            e = expert[r.inputs["expert_override"]["expert_label"]]
            out_label[i], out_score[i] = policy.expert_override(label[i], score[i], np.frombuffer(bytes(e), np.uint8))
    return out_label, out_score


def _expert_revisions(wanted: dict) -> dict:
    """{expert label id: labels of the recorded revision}."""
    if not wanted:
        return {}
    return {e: lab for e, rev, lab in ExpertLabelRevision.objects.filter(expert_label_id__in=list(wanted))
            .values_list("expert_label_id", "revision", "labels") if rev == wanted[e]}


def _dawid_skene(given):
    rows = sorted(given, key=lambda r: r.task_id)  # the service fits a tile's tasks in id order
    annotator_ids = sorted({a["annotator"] for r in rows for a in r.inputs["annotations"]})
    row_of = {a: i for i, a in enumerate(annotator_ids)}
    n_px = TASK_SIZE * TASK_SIZE
    k = max(len(r.inputs["annotations"]) for r in rows)  # fewer labels pad with "no label", as the service does
    stack = np.zeros((k, len(rows), TASK_SIZE, TASK_SIZE), np.uint8)
    who = np.zeros((k, len(rows)), np.int32)
    for n in {len(r.inputs["annotations"]) for r in rows}:
        at = [i for i, r in enumerate(rows) if len(r.inputs["annotations"]) == n]
        stack[:n, at] = _stack([rows[i] for i in at])
        who[:n, at] = np.array([[row_of[a["annotator"]] for a in rows[i].inputs["annotations"]] for i in at]).T
    who = np.repeat(who, n_px, axis=1)
    refs = {(r.inputs.get("reference") or {}).get("expert_label"): r for r in rows if r.inputs.get("reference")}
    raw = {e: lab for e, rev, lab in ExpertLabelRevision.objects.filter(expert_label_id__in=list(refs))
           .values_list("expert_label_id", "revision", "labels") if rev == refs[e].inputs["reference"]["revision"]}
    reference = np.zeros((len(rows), n_px), np.uint8)
    for i, r in enumerate(rows):
        if r.inputs.get("reference"):
            reference[i] = np.frombuffer(bytes(raw[r.inputs["reference"]["expert_label"]]), np.uint8)
    label, score, _ = engine.dawid_skene_sparse(who, stack.reshape(k, -1), reference.ravel(),
                                                n_annotators=len(annotator_ids))
    shape = (len(rows), TASK_SIZE, TASK_SIZE)
    label, score = label.reshape(shape), score.reshape(shape)
    order = {r.task_id: i for i, r in enumerate(rows)}
    return [label[order[r.task_id]] for r in given], [score[order[r.task_id]] for r in given]
