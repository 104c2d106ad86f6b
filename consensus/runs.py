"""Writers of consensus runs (with consensus.services, the only code that writes consensus rows).

The live run's rows are ConsensusLabel (one per task, updated in place by recomputes); an older run keeps a task's
row as a ConsensusVersion the first time a newer run overwrites or deletes it (copy-on-write). Storage per frozen
run is therefore the rows changed after it, not a copy of the campaign. docs/consensus.md, "Runs".
"""
from __future__ import annotations

import hashlib

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from annotation.policy import annotators_per_chip
from lcnet_site.campaign import campaign
from lcnet_site.errors import AppError, NotFound

from consensus import run_selectors
from consensus.models import AnnotatorAccuracy, ConsensusRun, ConsensusVersion, Method, TileFit

WEIGHT_CLIP = 1e-3  # an annotator never right still votes a little: keeps P(j) defined (services._bayes)


def run_parameters(method: str) -> dict:
    """What besides the inputs decides a run's numbers (recorded with the run)."""
    return {"method": method, "prior_accuracy": campaign().prior_accuracy, "weight_clip": WEIGHT_CLIP,
            "annotators_per_chip": annotators_per_chip(), "dawid_skene": {"tol": 1e-6, "max_iter": 100,
                                                                          "smoothing": 0.01}}


def live_run_locked(method: str) -> ConsensusRun:
    """The live run, share-locked until the caller's transaction ends (a run being frozen waits for writers, and
    writers wait for it); created if there is none; a recompute with another method than the live run's starts a
    new run first (the old one stays as it was). Call inside transaction.atomic()."""
    for _ in range(3):
        # Postgres: a share lock that a run being frozen (FOR UPDATE) waits for; SQLite locks the whole database
        lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cur:
            cur.execute(f"SELECT id, method FROM consensus_consensusrun WHERE live{lock}")
            row = cur.fetchone()
        if row is None:
            with transaction.atomic():
                ConsensusRun.objects.get_or_create(
                    live=True, defaults={"method": method, "parameters": run_parameters(method),
                                         "created_at": timezone.now()})
            continue
        if row[1] != method:
            raise MethodChanged(f"the live run {row[0]} computes {row[1]}, not {method}")
        return ConsensusRun(pk=row[0], method=row[1], live=True)
    raise AppError("no live consensus run could be found or created; try again")


class MethodChanged(AppError):
    """Raised inside the writer's transaction: the caller rolls back, starts a run and retries (never reaches a
    request)."""

    code = "consensus_method_changed"
    status = 409


def consensus_run_start(*, method: str, note: str = "") -> ConsensusRun:
    """Freeze the live run (recording the weights and the reference set it ended with) and start a new live run
    whose parent it is. Nothing is copied: the new run inherits every row until a recompute changes it."""
    current = run_selectors.live_run()
    if current is not None:
        run_calibrate(run=current)  # a run is frozen with the calibration of its last state
    now = timezone.now()
    with transaction.atomic():
        old = ConsensusRun.objects.select_for_update().filter(live=True).first()
        if old is not None:
            old.live, old.frozen_at = False, now
            old.weights = _weights_now()
            old.reference = run_selectors.reference_set()
            old.save(update_fields=["live", "frozen_at", "weights", "reference"])
        return ConsensusRun.objects.create(method=method, parameters=run_parameters(method), parent=old, note=note,
                                           live=True, created_at=now)


def _weights_now() -> dict:
    prior = campaign().prior_accuracy
    return {str(a): (prior if w is None else w)
            for a, w in AnnotatorAccuracy.objects.order_by("annotator_id").values_list("annotator_id", "accuracy")}


def keep_versions(stored: dict, live_id: int, *, deleted=()) -> None:
    """Before the live run overwrites (or deletes, `deleted`) these stored rows: keep each row written under an older
    run as that run's version; a deleted task gets a present=False version in the live run (its older versions
    must not show through)."""
    first = run_selectors.first_run_id() if any(old.run_id is None for old in stored.values()) else None
    keep = [ConsensusVersion(run_id=old.run_id or first, task_id=old.task_id, present=True, label=bytes(old.label),
                             score=bytes(old.score), method=old.method, inputs=old.inputs, mean_score=old.mean_score,
                             disagreement=old.disagreement, computed_at=old.computed_at)
            for old in stored.values() if (old.run_id or first) != live_id]
    keep += [ConsensusVersion(run_id=live_id, task_id=t, present=False) for t in deleted]
    if keep:
        ConsensusVersion.objects.bulk_create(
            keep, update_conflicts=True, unique_fields=["task", "run"],
            update_fields=["present", "label", "score", "method", "inputs", "mean_score", "disagreement",
                           "computed_at"])


def tile_fit_store(run_id: int, tile_id: str, annotators: list[int], confusion) -> None:
    TileFit.objects.update_or_create(
        run_id=run_id, tile_id=tile_id,
        defaults={"annotators": annotators, "confusion": [[[round(float(v), 9) for v in r] for r in m]
                                                           for m in confusion], "computed_at": timezone.now()})


def consensus_run_export_choose(*, run_id: int) -> ConsensusRun:
    """The export serves this run from now on (live or frozen)."""
    with transaction.atomic():
        run = ConsensusRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            raise NotFound(f"no consensus run {run_id}")
        ConsensusRun.objects.filter(exported=True).exclude(pk=run_id).update(exported=False)
        if not run.exported:
            run.exported = True
            run.save(update_fields=["exported"])
    return run


MIN_CALIBRATION_TASKS = 10  # fewer reference tasks (with all submissions): no map, no confidence.tif


def run_calibrate(*, run: ConsensusRun | None = None, k: int = 5) -> dict:
    """Fit and measure, for both methods, the map from score to the probability that the label is right, by k-fold
    cross-validation over the reference tasks (consensus.lib.calibration.cross_validated), and store it with the
    run (default: the live run). Returns {method: {"ece", "ece_uncalibrated", "n_reference_tasks", ...}}; {} when
    there are fewer than MIN_CALIBRATION_TASKS reference tasks with every submission."""
    from consensus.lib import calibration

    run = run or run_selectors.live_run()
    if run is None:
        return {}
    if not run.live:
        raise AppError(f"run {run.pk} is frozen: its calibration stays as it was measured", code="frozen")
    labels, annotators, truth, ids = run_selectors.calibration_inputs()
    if len(ids) < MIN_CALIBRATION_TASKS:
        return {}
    prior = campaign().prior_accuracy
    inputs = _fingerprint(labels, annotators, truth, ids, k, prior)
    if run.calibration and all(fit.get("inputs") == inputs for fit in run.calibration.values()):
        return run.calibration  # same references, submissions and settings: the same fit (a rerun costs nothing)
    result = {m: calibration.cross_validated(m, labels, annotators, truth, k=k, prior_accuracy=prior,
                                             min_weight=WEIGHT_CLIP) for m in Method.values}
    for fit in result.values():
        fit["reference_tasks"] = ids[:2000]  # which tasks judged it (first 2,000)
        fit["inputs"] = inputs
    ConsensusRun.objects.filter(pk=run.pk).update(calibration=result)
    return result


def _fingerprint(*parts) -> str:
    """A digest of the calibration's inputs (arrays by bytes, the rest by repr)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes() if isinstance(part, np.ndarray) else repr(part).encode())
    return digest.hexdigest()[:32]

