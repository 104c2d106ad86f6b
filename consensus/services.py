"""Writers of the consensus app: annotator scores and consensus labels. A recompute whose result equals what is
stored writes nothing (computed_at stays), so Celery redeliveries and repeated commands are harmless."""
from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from tqdm import tqdm

from annotation.lib.labels import labels_from_bytes, labels_stack_from_bytes, labels_to_bytes
from annotation.models import Annotation
from annotation.policy import annotators_per_chip
from imagery.lib.domain import N_CLASSES, NO_DATA, TASK_SIZE
from imagery.models import Task
from lcnet_site.roles import ANNOTATOR

from consensus.lib import accuracy as accuracy_core, engine, policy as policy_core
from consensus.lib.codec import score_to_bytes
from consensus import policy, run_selectors, runs, selectors
from consensus.events import consensus_changed
from consensus.models import AccuracySnapshot, AnnotatorAccuracy, ConsensusLabel, ConsensusRun, Method
from lcnet_site.campaign import campaign
from lcnet_site import sql
from lcnet_site.errors import AppError
from lcnet_site.sql import ids_in

BATCH_TASKS = 2048  # tasks read and merged per batch (2 M pixels)


def consensus_method(method: str | None = None) -> str:
    """The method to use: the argument, else the campaign's consensus_method; AppError when unknown."""
    method = method or campaign().consensus_method
    if method not in Method.values:
        raise AppError(f"unknown consensus method {method!r}; use one of {', '.join(Method.values)}", field="method")
    return method


# ---------------------------------------------------------------------------------------------- annotator accuracies


def annotator_accuracies_recompute() -> set[int]:
    """Score every annotator against the latest submitted expert label of each reference task they labeled.

    Annotators with submissions but no reference task get a row with accuracy null (the prior applies). Returns the
    ids of annotators whose accuracy changed.
    """
    refs = selectors.reference_labels()
    per_annotator: dict[int, list] = {}
    for ann in selectors.reference_annotations():
        per_annotator.setdefault(ann.annotator_id, []).append(ann)
    User = get_user_model()
    labeled = Annotation.objects.filter(annotator_id=OuterRef("pk"))  # one index probe per annotator, not a join
    everyone = set(per_annotator) | set(
        User.objects.filter(groups__name=ANNOTATOR).filter(Exists(labeled)).values_list("pk", flat=True)
    )
    stored = {s.annotator_id: s for s in AnnotatorAccuracy.objects.filter(annotator_id__in=everyone)}
    changed, now, history = set(), timezone.now(), []
    with transaction.atomic():  # readers see all new accuracies or none
        for annotator_id in sorted(everyone):
            fields = _accuracy_fields(per_annotator.get(annotator_id, []), refs)
            old = stored.get(annotator_id)
            if old is not None and all(getattr(old, k) == v for k, v in fields.items()):
                continue
            if old is None or old.accuracy != fields["accuracy"]:
                changed.add(annotator_id)
            if old is None or (old.accuracy, old.pooled) != (fields["accuracy"], fields["pooled"]):
                history.append(AccuracySnapshot(
                    annotator_id=annotator_id, at=now, accuracy=fields["accuracy"], pooled=fields["pooled"],
                    n_reference_tasks=fields["n_reference_tasks"], n_reference_pixels=fields["n_reference_pixels"]))
            AnnotatorAccuracy.objects.update_or_create(annotator_id=annotator_id, defaults={**fields, "computed_at": now})
        AccuracySnapshot.objects.bulk_create(history)
    return changed


def annotator_accuracies_refresh(*, enqueue=None) -> int:
    """Recompute accuracies; a changed weight changes the consensus of the tasks its annotator labeled where the
    annotators disagree (where all agree, every weight gives label = that class and score 1), so only those tasks
    are recomputed, in batches of BATCH_TASKS, and only rows whose label or score changed are written. Dawid–Skene
    does not use accuracies: its recompute follows the labels themselves.

    `enqueue(task_ids)` hands each batch to a worker (the Celery task does so: every job stays bounded); without
    it the batches run here. Returns the consensus rows written (0 when enqueued)."""
    changed = annotator_accuracies_recompute()
    if consensus_method() != Method.BAYES:
        return 0
    return consensus_reweigh(changed, enqueue=enqueue)


def consensus_reweigh(annotator_ids, *, enqueue=None) -> int:
    """Recompute, in batches, the tasks whose consensus these annotators' new weights can change (see above)."""
    if not annotator_ids:
        return 0
    ids = selectors.tasks_to_reweigh(annotator_ids)
    written = 0
    for start in range(0, len(ids), BATCH_TASKS):
        batch = ids[start : start + BATCH_TASKS]
        if enqueue is None:
            written += consensus_recompute(task_ids=batch)
        else:
            enqueue(batch)
    return written


def _accuracy_fields(annotations, refs) -> dict:
    scores, confusion, pixels, inputs = {}, np.zeros((N_CLASSES, N_CLASSES), np.int64), 0, {}
    task_pixels = {}
    for ann in annotations:
        ref = refs[ann.task_id]
        labels, reference = labels_from_bytes(ann.labels), labels_from_bytes(ref.labels)
        expert = reference != NO_DATA
        if not expert.any():
            continue
        task_pixels[str(ann.task_id)] = [int((labels[expert] == reference[expert]).sum()), int(expert.sum())]
        scores[str(ann.task_id)] = engine.task_accuracy(labels, reference)
        confusion += engine.class_confusion(labels, reference)
        pixels += int((reference != NO_DATA).sum())
        inputs[str(ann.task_id)] = {
            "annotation": ann.id, "revision": ann.revision, "expert_label": ref.id, "expert_revision": ref.revision,
        }
    return {
        "accuracy": engine.annotator_accuracy(list(scores.values())) if scores else None,
        "n_reference_tasks": len(scores),
        "n_reference_pixels": pixels,
        "task_accuracies": scores,
        "confusion": confusion.tolist(),
        "inputs": inputs,
        "task_pixels": task_pixels,
        "pooled": _pooled(task_pixels),
    }


def _pooled(task_pixels: dict) -> dict | None:
    """Pooled accuracy with its 95 % Beta interval over the reference tasks with enough expert pixels (campaign
    accuracy_min_task_pixels); None below accuracy_min_pixels pooled pixels (a number that would mean nothing)."""
    c = campaign()
    kept = [(k, n) for k, n in task_pixels.values() if n >= c.accuracy_min_task_pixels]
    if not kept or sum(n for _, n in kept) < c.accuracy_min_pixels:
        return None
    correct, total = np.array(kept, np.float64).T
    return {k: round(v, 6) for k, v in accuracy_core.pooled_accuracy(correct, total).items()} | {"n_tasks": len(kept)}


# ---------------------------------------------------------------------------------------------- consensus


def task_consensus_recompute(*, task_id: int, method: str | None = None, only_changed: bool = False) -> int:
    """Recompute one task's consensus (Dawid–Skene: its whole tile, whose tasks share the confusion matrices).
    only_changed: not if its stored consensus already came from its current submissions (a submit's job that a
    racing twin already did)."""
    method = consensus_method(method)
    if method == Method.DAWID_SKENE:
        tile_id = Task.objects.filter(pk=task_id).values_list("chip__tile_id", flat=True).first()
        return consensus_recompute(method=method, tile_id=tile_id, only_changed=only_changed) if tile_id else 0
    return consensus_recompute(method=method, task_ids=[task_id], only_changed=only_changed)


def stale_task_ids(*, limit: int = 500) -> list[int]:
    """Tasks with all their submissions whose stored consensus is missing or not from those submissions: the work
    of a job that was lost (the sweep enqueues them)."""
    ids = selectors.stale_task_ids(count=annotators_per_chip(), limit=limit)
    return _changed(ids, consensus_method())


def tile_consensus_refresh(*, task_id: int) -> int:
    """Dawid–Skene after submits: refit the task's tile if any of its tasks' submissions changed since the tile was
    last stored. Jobs queued by a burst of submits find the first one's fit and stop after a metadata query."""
    if consensus_method() != Method.DAWID_SKENE:  # the campaign switched method meanwhile
        return task_consensus_recompute(task_id=task_id)
    tile_id = Task.objects.filter(pk=task_id).values_list("chip__tile_id", flat=True).first()
    if tile_id is None:
        return 0
    return consensus_recompute(method=Method.DAWID_SKENE, tile_id=tile_id, only_changed=True)


def chip_consensus_recompute(*, chip_id: str, method: str | None = None) -> int:
    """Recompute a chip's tasks (Dawid–Skene: its tile): after an annotator left it, tasks they had completed lose
    their consensus until a replacement submits."""
    method = consensus_method(method)
    if method == Method.DAWID_SKENE:
        tile_id = Task.objects.filter(chip_id=chip_id).values_list("chip__tile_id", flat=True).first()
        return consensus_recompute(method=method, tile_id=tile_id) if tile_id else 0
    return consensus_recompute(method=method, task_ids=Task.objects.filter(chip_id=chip_id).values_list("pk", flat=True))


def consensus_recompute(
    *, method: str | None = None, task_ids: Iterable[int] | None = None, tile_id: str | None = None,
    progress: bool = False, only_changed: bool = False,
) -> int:
    """Recompute consensus of the given tasks (or a tile's, or all) that have all three submissions; drop consensus
    of tasks that no longer have them; leave frozen chips alone. Returns the number of rows written or deleted.

    The whole campaign is done tile by tile, so every query and the memory are bounded by one tile (Dawid–Skene
    fits each tile on its own: a tile's tasks share the confusion matrices). `only_changed`: skip tasks whose
    stored consensus came from the same annotation revisions (Dawid–Skene: a tile with no such task is not refit),
    so a rerun with nothing to change reads no labels. Weight changes are not looked for here: they re-weigh the
    tasks concerned when the accuracies are recomputed (annotator_accuracies_refresh)."""
    method = consensus_method(method)
    if task_ids is None and tile_id is None and only_changed:
        work = selectors.rerun_work(method=method, count=annotators_per_chip())
        if work is not None:  # found in one query: a rerun with nothing to change reads nothing per tile
            return _recompute_changed(method, *work, progress=progress)
    if task_ids is None and tile_id is None:
        tiles = list(Task.objects.order_by("chip__tile_id").values_list("chip__tile_id", flat=True).distinct())
        return sum(_recompute(method, None, tile, only_changed)
                   for tile in tqdm(tiles, desc="consensus", unit="tile", disable=not progress))
    return _recompute(method, None if task_ids is None else list(task_ids), tile_id, only_changed)


def _recompute(method: str, task_ids: list[int] | None, tile_id: str | None, only_changed: bool) -> int:
    if method == Method.BAYES and task_ids is not None and tile_id is None and not only_changed:
        return _recompute_tasks(sorted(set(task_ids)))
    ids = selectors.complete_task_ids(task_ids, tile_id=tile_id, count=annotators_per_chip())
    written = _drop_incomplete(task_ids, tile_id, set(ids))
    todo = _changed(ids, method) if only_changed else ids
    if method == Method.DAWID_SKENE:
        if not todo:
            return written
        results, fit = _dawid_skene(*_read(ids), tile_id=tile_id)
        return written + _store(results, method, fit)
    for start in range(0, len(todo), BATCH_TASKS):
        batch = todo[start : start + BATCH_TASKS]  # labels are read batch by batch: memory bounded by the batch
        written += _store(_bayes(*_read(batch)), method)
    return written


def _recompute_tasks(ids: list[int]) -> int:
    """Bayes over given tasks (a re-weigh's batch, a chip's), batch by batch: the submissions read for the merge
    tell which tasks are complete (no count query first); tasks on frozen chips are left as they are."""
    written, need = 0, annotators_per_chip()
    for start in range(0, len(ids), BATCH_TASKS):
        batch = ids[start : start + BATCH_TASKS]
        subs = selectors.submissions(batch, open_chips=True)
        complete = [t for t in batch if len(subs.get(t, ())) >= need]
        written += _drop_incomplete(batch, None, set(complete))
        written += _store(_bayes(complete, subs), Method.BAYES)
    return written


def _recompute_changed(method: str, todo: list[int], incomplete: list[int], *, progress: bool) -> int:
    """The campaign-wide rerun, given the tasks whose submissions changed and those that lost one: the latter's
    consensus dropped, then the changed tasks in batches (Dawid–Skene: their tiles, refit whole)."""
    written = _drop_incomplete(incomplete, None, set())
    if method == Method.DAWID_SKENE:
        tiles = sorted(set(Task.objects.filter(pk__in=ids_in(todo)).values_list("chip__tile_id", flat=True)))
        return written + sum(_recompute(method, None, tile, only_changed=False)
                             for tile in tqdm(tiles, desc="consensus", unit="tile", disable=not progress))
    batches = [todo[start : start + BATCH_TASKS] for start in range(0, len(todo), BATCH_TASKS)]
    for batch in tqdm(batches, desc="consensus", unit="batch", disable=not progress):
        written += _store(_bayes(*_read(batch)), method)
    return written


def _changed(ids: list[int], method: str) -> list[int]:
    """Of these tasks, those whose stored consensus was not computed by this method from their current submissions
    (metadata only: annotation ids and revisions, no labels)."""
    current = selectors.submission_revisions(ids)
    stored = selectors.consensus_revisions(ids)
    return [t for t in ids if stored.get(t) != (method, current.get(t))]


def _read(ids) -> tuple[list[int], dict]:
    """The tasks' submissions; a task that lost one since it was counted waits for its next recompute. A task may
    have one more than the chip's annotators: its extra annotator's (a weak consensus, consensus.policy)."""
    subs = selectors.submissions(ids)
    need = annotators_per_chip()
    return [t for t in ids if len(subs.get(t, ())) >= need], subs


def _by_count(ids, complete) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for t in ids:
        groups.setdefault(len(complete[t]), []).append(t)
    return groups


def _bayes(ids, complete) -> list[tuple]:
    """One grouped engine call per number of annotators (3; 4 where an extra annotator submitted) for a batch of
    tasks, each with its own annotators' weights; a weak task an expert labeled takes the expert's label."""
    if not ids:
        return []
    weight_of = selectors.annotator_weights({a.annotator_id for t in ids for a in complete[t]})
    results = []
    for group in _by_count(ids, complete).values():
        labels = _stack(group, complete)  # (n, T, 32, 32)
        weights = np.array([[weight_of[a.annotator_id] for a in complete[t]] for t in group]).T  # (n, T)
        weights = np.clip(weights, runs.WEIGHT_CLIP, 1.0)  # never right still votes a little: P(j) stays defined
        label, score = engine.bayesian_consensus(labels, weights[:, :, None, None])
        split = engine.disagreement(labels)
        results += [(t, label[i], score[i], split[i],
                     {"annotations": _revisions(complete[t]), "weights": weights[:, i].tolist()})
                    for i, t in enumerate(group)]
    return _overridden(results)


def _overridden(results) -> list[tuple]:
    """Tasks the policy sent to the experts: the expert's label overrides the consensus, recorded in inputs."""
    experts = selectors.weak_override_references([r[0] for r in results])
    if not experts:
        return results
    out = []
    for t, label, score, split, used in results:
        if t in experts:
            e = experts[t]
            label, score = policy_core.expert_override(label, score, labels_from_bytes(e.labels))
            used = {**used, "expert_override": {"expert_label": e.id, "revision": e.revision}}
        out.append((t, label, score, split, used))
    return out


def _dawid_skene(ids, complete, *, tile_id=None) -> tuple[list[tuple], tuple | None]:
    """One EM over the given tasks (a tile), expert labels held as truth. Each pixel's (annotator, label) pairs go
    to the engine as they are (dawid_skene_sparse; a task with fewer labels than the most pads with "no label"):
    memory grows with the tile's pixels, not with its pixels × annotators."""
    if not ids:
        return [], None
    annotator_ids = sorted({a.annotator_id for t in ids for a in complete[t]})
    row_of = {a: i for i, a in enumerate(annotator_ids)}
    n_px = TASK_SIZE * TASK_SIZE
    k = max(len(complete[t]) for t in ids)
    stack = np.zeros((k, len(ids), TASK_SIZE, TASK_SIZE), np.uint8)
    who = np.zeros((k, len(ids)), np.int32)
    split = {}
    position = {t: i for i, t in enumerate(ids)}
    for group in _by_count(ids, complete).values():
        part = _stack(group, complete)  # (n, T', 32, 32): each task's submissions in annotator order
        at = [position[t] for t in group]
        stack[: part.shape[0], at] = part
        who[: part.shape[0], at] = np.array([[row_of[a.annotator_id] for a in complete[t]] for t in group]).T
        split.update(zip(group, engine.disagreement(part)))
    who = np.repeat(who, n_px, axis=1)
    refs = selectors.reference_labels(ids)
    reference = np.zeros((len(ids), n_px), np.uint8)
    for i, t in enumerate(ids):
        if t in refs:
            reference[i] = labels_from_bytes(refs[t].labels).ravel()
    label, score, confusion = engine.dawid_skene_sparse(who, stack.reshape(k, -1), reference.ravel(),
                                                        n_annotators=len(annotator_ids))
    label, score = label.reshape(len(ids), n_px), score.reshape(len(ids), n_px)
    results = []
    for i, t in enumerate(ids):
        ref = refs.get(t)
        used = {
            "annotations": _revisions(complete[t]),
            "reference": {"expert_label": ref.id, "revision": ref.revision} if ref else None,
        }
        results.append((t, label[i].reshape(TASK_SIZE, TASK_SIZE), score[i].reshape(TASK_SIZE, TASK_SIZE), split[t], used))
    return results, ((tile_id, annotator_ids, confusion) if tile_id else None)


def _stack(ids, complete) -> np.ndarray:
    """(n, T, 32, 32) of tasks that all have n submissions, in annotator order."""
    n = len(complete[ids[0]])
    per_task = labels_stack_from_bytes(a.labels for t in ids for a in complete[t])
    per_task = per_task.reshape(len(ids), n, TASK_SIZE, TASK_SIZE)
    return per_task.transpose(1, 0, 2, 3)


def _revisions(annotations) -> list[dict]:
    return [{"annotation": a.id, "annotator": a.annotator_id, "revision": a.revision} for a in annotations]


def _rows(results, method: str) -> list[run_selectors.RunRow]:
    """The rows to store; mean score and disagreement over labeled pixels, for a batch at once where every pixel is
    labeled (the same float32 means as task by task)."""
    if not results:
        return []
    labels = np.stack([r[1] for r in results]).reshape(len(results), -1)
    scores = np.stack([r[2] for r in results]).reshape(len(results), -1)
    splits = np.stack([r[3] for r in results]).reshape(len(results), -1)
    labeled = labels != NO_DATA
    whole = labeled.all(axis=1)
    means, disagreements = scores.mean(axis=1), splits.mean(axis=1)
    out = []
    for i, (task_id, label, score, split, used) in enumerate(results):
        if whole[i]:
            mean, disagreement = float(means[i]), float(disagreements[i])
        elif labeled[i].any():
            mean, disagreement = float(scores[i][labeled[i]].mean()), float(splits[i][labeled[i]].mean())
        else:
            mean = disagreement = 0.0
        out.append(run_selectors.RunRow(task_id, labels_to_bytes(label), score_to_bytes(score), method, used, mean,
                                        disagreement))
    return out


def _store(results, method: str, fit=None) -> int:
    """Write the results that differ from what is stored, into the live run; returns how many rows were written.

    The same label and score from the same annotations is not written, even if the weights moved (the weights in
    `inputs` are those of the last write that changed something). A row written under an older run is kept as that
    run's version first (copy-on-write: consensus.runs). Higher layers hear which chips changed (consensus_changed,
    inside the same transaction). `fit`: Dawid–Skene's (tile, annotator ids, confusion matrices), recorded with the
    run. On Postgres the rows go in with one COPY and are compared with the stored ones there (a re-weigh writes
    thousands of rows per batch); elsewhere the stored rows are read and compared here, by the same rule."""
    if not results:
        return 0
    rows = _rows(results, method)
    written: list = []

    def write(run):
        if connection.vendor == "postgresql":
            changed = _copy_in_changed(rows)
        else:
            changed = _read_changed(rows)
        writes = [r for r in rows if r.task_id in changed]
        if not writes:
            return
        first = run_selectors.first_run_id() if any(changed[w.task_id] == 0 for w in writes) else None
        older = [w.task_id for w in writes if changed[w.task_id] is not None and (changed[w.task_id] or first) != run.pk]
        if older:  # rows of an older run (or of before runs): whole rows, kept as that run's versions
            runs.keep_versions({c.task_id: c for c in ConsensusLabel.objects.filter(task_id__in=ids_in(older))},
                               run.pk)
        if fit is not None:
            runs.tile_fit_store(run.pk, *fit)
        _write_rows(writes, run.pk)
        _announce(writes)
        written.extend(writes)

    _in_live_run(method, write)
    policy.weak_tasks_route(written)  # effort where the labels are uncertain (campaign weak_task_*)
    return len(written)


_COLUMNS = ["task_id", "label", "score", "method", "inputs", "mean_score", "disagreement"]
_KINDS = [sql.INT8, sql.BYTEA, sql.BYTEA, sql.TEXT, sql.TEXT, sql.FLOAT8, sql.FLOAT8]


def _copy_in_changed(rows) -> dict[int, int | None]:
    """Postgres: COPY the rows into a temporary table; {task id: run that wrote its stored row (0: before runs),
    None when there is none} of those that differ from what is stored."""
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS consensus_rows_in")  # an earlier batch of the same transaction's
        sql.copy_temp(cur, "consensus_rows_in", list(zip(_COLUMNS, _KINDS)),
                      ((r.task_id, r.label, r.score, r.method, json.dumps(r.inputs), r.mean_score, r.disagreement)
                       for r in rows))
        cur.execute(
            """SELECT t.task_id, c.task_id IS NOT NULL, c.run_id FROM consensus_rows_in t
               LEFT JOIN consensus_consensuslabel c ON c.task_id = t.task_id
               WHERE c.task_id IS NULL OR c.label <> t.label OR c.score <> t.score OR c.method <> t.method
                  OR (c.inputs - 'weights') <> (t.inputs::jsonb - 'weights')""")
        return {t: (run or 0) if found else None for t, found, run in cur.fetchall()}


def _read_changed(rows) -> dict[int, int | None]:
    """_copy_in_changed elsewhere: the stored rows read and compared here."""
    stored = {c.task_id: c for c in ConsensusLabel.objects.filter(task_id__in=[r.task_id for r in rows])}
    out = {}
    for r in rows:
        old = stored.get(r.task_id)
        if old is None or (bytes(old.label), bytes(old.score), old.method, selectors.without_weights(old.inputs)) != (
                r.label, r.score, r.method, selectors.without_weights(r.inputs)):
            out[r.task_id] = None if old is None else (old.run_id or 0)
    return out


def _write_rows(writes: list[run_selectors.RunRow], run_id: int) -> None:
    """Insert or overwrite these consensus rows in the live run (Postgres: from _copy_in_changed's table)."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        ConsensusLabel.objects.bulk_create(
            [ConsensusLabel(**{c: getattr(w, c) for c in _COLUMNS}, run_id=run_id, computed_at=now) for w in writes],
            update_conflicts=True, unique_fields=["task"],
            update_fields=["run", "label", "score", "method", "inputs", "mean_score", "disagreement", "computed_at"])
        return
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO consensus_consensuslabel ({', '.join(_COLUMNS)}, run_id, computed_at)
                SELECT task_id, label, score, method, inputs::jsonb, mean_score, disagreement, %s, %s
                FROM consensus_rows_in WHERE task_id = ANY(%s::bigint[])
                ON CONFLICT (task_id) DO UPDATE SET
                  {', '.join(f'{c} = EXCLUDED.{c}' for c in _COLUMNS[1:] + ['run_id', 'computed_at'])}""",
            [run_id, now, [w.task_id for w in writes]])


def _in_live_run(method: str, write) -> None:
    """write(live run) in one transaction holding the live run share-locked; a method other than the live run's
    starts a new run first (the old run stays as it was)."""
    for _ in range(2):
        try:
            with transaction.atomic():
                write(runs.live_run_locked(method))
                return
        except runs.MethodChanged:
            runs.consensus_run_start(method=method, note=f"method changed to {method}")
    raise AppError("the consensus method changed twice during one write; try again")


def _drop_incomplete(task_ids, tile_id, keep: set[int]) -> int:
    """Delete consensus of tasks in scope that no longer have three submissions (an annotator left the chip); the
    run that wrote a row keeps it as a version (consensus.runs)."""
    if task_ids is not None:
        candidates = [t for t in task_ids if t not in keep]  # usually none: no query
        if not candidates:
            return 0
        rows = ConsensusLabel.objects.filter(task_id__in=ids_in(candidates))
    else:
        rows = ConsensusLabel.objects.exclude(task_id__in=ids_in(keep))
    rows = rows.filter(task__chip__freeze__isnull=True)
    if tile_id is not None:
        rows = rows.filter(task__chip__tile_id=tile_id)
    if not rows.exists():  # the usual case: nothing lost, no row read
        return 0
    gone = list(rows.select_related(None).annotate(chip_id=F("task__chip_id")))
    if not gone:
        return 0
    deleted = [0]

    def write(run):
        runs.keep_versions({r.task_id: r for r in gone}, run.pk, deleted=[r.task_id for r in gone])
        deleted[0] = ConsensusLabel.objects.filter(task_id__in=[r.task_id for r in gone]).delete()[0]
        consensus_changed.send(sender=ConsensusLabel, chip_ids={r.chip_id for r in gone})

    _in_live_run(_live_method(), write)
    return deleted[0]


def _live_method() -> str:
    """Deleting rows is no recompute: it happens in the live run whatever its method."""
    return ConsensusRun.objects.filter(live=True).values_list("method", flat=True).first() or consensus_method()


def _announce(writes: list[run_selectors.RunRow]) -> None:
    chips = set(Task.objects.filter(pk__in=ids_in(w.task_id for w in writes)).order_by()
                .values_list("chip_id", flat=True).distinct())
    consensus_changed.send(sender=ConsensusLabel, chip_ids=chips,
                           rows={w.task_id: (w.label, w.score, w.mean_score) for w in writes})
