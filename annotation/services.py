"""Writers of the annotation app: saving labels (with their history), assignments, references, freezing."""
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from imagery.models import Chip, Task
from lcnet_site.roles import ANNOTATOR, EXPERT

from . import selectors, sql
from .access import ANNOTATION, EXPERT_LABEL, LabelTarget
from .core_labels import (
    LabelError,
    check_no_data,
    count_differ,
    data_mask_from_stack,
    labels_from_bytes,
    labels_to_bytes,
    pack_mask,
    unpack_mask,
)
from .core_sampling import stratified_pick
from .models import (
    MAX_ANNOTATORS_PER_CHIP,
    Annotation,
    Assignment,
    ReferenceTask,
    AnnotationRevision,
    ChipFreeze,
    ExpertLabel,
    ExpertLabelRevision,
    Status,
    TaskDataMask,
)
from .signals import annotation_submitted, expert_label_submitted

User = get_user_model()


class StaleRevision(Exception):
    def __init__(self, current: int):
        super().__init__(f"stale revision: the current revision is {current}; reload and reapply your edits")
        self.current = current


class Frozen(Exception):
    def __init__(self):
        super().__init__("this chip's consensus is frozen: its labels can no longer change")


@dataclass(frozen=True)
class Saved:
    task_id: int
    kind: str
    revision: int
    status: str
    differ_from_guess: int


def task_data_mask_ensure(*, task_id: int) -> np.ndarray:
    """The task's pixels with imagery, computed from its scenes once and cached (not cached while it has none)."""
    from imagery.selectors import read_scene_window  # imagery reads COGs; imported when first needed

    task = Task.objects.select_related("chip").get(pk=task_id)
    scenes = list(task.chip.scenes.all())
    if not scenes:
        return data_mask_from_stack(np.zeros((0, 12, *task.window[2:]), np.uint16))
    mask = data_mask_from_stack(np.stack([read_scene_window(s, task.window) for s in scenes]))
    TaskDataMask.objects.update_or_create(task_id=task_id, defaults={"mask": pack_mask(mask), "n_scenes": len(scenes)})
    return mask


def label_save(*, user, target: LabelTarget, labels: np.ndarray, revision: int, submit: bool) -> Saved:
    """Save (draft) or submit the caller's labels for a task, if `revision` is their current one.

    The update is conditional (`WHERE revision = N`), so of two concurrent saves naming the same revision exactly
    one wins and the other raises StaleRevision; every successful call appends one revision row.
    """
    if target.frozen:
        raise Frozen()
    if submit:
        mask = unpack_mask(target.data_mask) if target.data_mask else task_data_mask_ensure(task_id=target.task_id)
        check_no_data(labels, mask)
    model, history, parent, owner, signal = _KINDS[target.kind]
    status = Status.SUBMITTED if submit else Status.DRAFT
    raw = labels_to_bytes(labels)
    now = timezone.now()
    if target.row is None:
        new_revision, differ, others = _first_save(user, target, model, history, parent, owner, raw, labels, status,
                                                   now, submit)
    else:
        if revision != target.row["revision"]:
            raise StaleRevision(target.row["revision"])
        differ = count_differ(labels, labels_from_bytes(target.row["guess"]))
        values = dict(labels=raw, status=status.value, differ=differ, now=now, submit=submit)
        count_task = (target.task_id, target.chip_id) if submit and target.kind == ANNOTATION else None
        save = _update_postgres if connection.vendor == "postgresql" else _update_orm
        new_revision, others = save(user, target, model, history, parent, revision, values, count_task)
        if new_revision is None:
            current = model.objects.filter(pk=target.row["id"]).values_list("revision", flat=True).first()
            raise StaleRevision(current)
    if submit:
        _announce_on_commit(target, user, new_revision, signal, others)
    return Saved(target.task_id, target.kind, new_revision, status.value, differ)


def _first_save(user, target, model, history, parent, owner, raw, labels, status, now, submit):
    """Create the caller's row from the task's current guess; a concurrent first save makes this one stale."""
    guess = selectors.task_guess_labels(Task.objects.get(pk=target.task_id))
    differ = count_differ(labels, guess)
    try:
        with transaction.atomic():
            row = model.objects.create(
                task_id=target.task_id, **{owner: user.pk}, labels=raw, guess=labels_to_bytes(guess),
                status=status, revision=1, differ_from_guess=differ, submitted_at=now if submit else None,
            )
            history.objects.create(**{parent: row.pk}, revision=1, labels=raw, status=status,
                                   differ_from_guess=differ, author_id=user.pk)
    except IntegrityError:
        raise StaleRevision(1) from None
    others = None
    if submit and target.kind == ANNOTATION:
        others = selectors.submitted_count(target.task_id) - 1
    return 1, differ, others


def _update_postgres(user, target, model, history, parent, revision, values, count_task):
    # One statement, atomic by itself: no BEGIN/COMMIT round trips on the hot path.
    return sql.update_and_record(model=model, history=history, parent=parent, row_id=target.row["id"],
                                 revision=revision, values=values, author_id=user.pk, count_task=count_task)


def _update_orm(user, target, model, history, parent, revision, values, count_task):
    with transaction.atomic():
        changes = dict(labels=values["labels"], status=values["status"], differ_from_guess=values["differ"],
                       updated_at=values["now"], revision=F("revision") + 1)
        if values["submit"]:
            changes["submitted_at"] = values["now"]
        if not model.objects.filter(pk=target.row["id"], revision=revision).update(**changes):
            return None, None
        history.objects.create(**{parent: target.row["id"]}, revision=revision + 1, labels=values["labels"],
                               status=values["status"], differ_from_guess=values["differ"], author_id=user.pk)
        others = selectors.submitted_count(target.task_id) - 1 if count_task else None
    return revision + 1, others


def _announce_on_commit(target: LabelTarget, user, revision: int, signal, others) -> None:
    if target.kind == ANNOTATION:
        kwargs = dict(task_id=target.task_id, annotator_id=user.pk, revision=revision, submitted_count=others + 1,
                      is_reference=target.is_reference)
        transaction.on_commit(lambda: signal.send(sender=Annotation, **kwargs))
    else:
        kwargs = dict(task_id=target.task_id, expert_id=user.pk, revision=revision)
        transaction.on_commit(lambda: signal.send(sender=ExpertLabel, **kwargs))


# kind -> (state model, revision model, revision's parent field, owner field, signal)
_KINDS = {
    ANNOTATION: (Annotation, AnnotationRevision, "annotation_id", "annotator_id", annotation_submitted),
    EXPERT_LABEL: (ExpertLabel, ExpertLabelRevision, "expert_label_id", "expert_id", expert_label_submitted),
}


def chip_freeze(*, chip_id: str, user=None) -> ChipFreeze:
    freeze, _ = ChipFreeze.objects.get_or_create(chip_id=chip_id, defaults={"frozen_by": user})
    return freeze


def chip_unfreeze(*, chip_id: str) -> None:
    ChipFreeze.objects.filter(chip_id=chip_id).delete()


class AssignmentError(Exception):
    """An assignment request that would break a rule; nothing was changed."""


def assignments_create(*, chip_ids, user_ids=None, auto: bool = False, by=None) -> list[Assignment]:
    """Give each chip to the listed annotators, or (auto) fill it up to three with the least-loaded annotators.

    All or nothing: any unknown chip or user, a non-annotator, a fourth annotator or the same one twice on a chip
    raises AssignmentError and nothing is stored. The chips are locked while their free slots are counted.
    """
    chip_ids = list(dict.fromkeys(chip_ids or []))
    if not chip_ids:
        raise AssignmentError("no chips given")
    if not auto and not user_ids:
        raise AssignmentError("give user ids or 'auto'")
    try:
        with transaction.atomic():
            chips = list(Chip.objects.select_for_update().filter(pk__in=chip_ids).order_by("pk").values_list("pk", flat=True))
            if missing := sorted(set(chip_ids) - set(chips)):
                raise AssignmentError(f"unknown chips: {', '.join(missing)}")
            taken = _active_by_chip(chip_ids)
            plan = _auto_plan(chip_ids, taken) if auto else _listed_plan(chip_ids, list(user_ids), taken)
            created = []
            for chip_id, user_id in plan:
                slot = min(set(range(1, MAX_ANNOTATORS_PER_CHIP + 1)) - {s for _, s in taken[chip_id]})
                taken[chip_id].append((user_id, slot))
                created.append(Assignment(chip_id=chip_id, user_id=user_id, slot=slot, assigned_by=by))
            return Assignment.objects.bulk_create(created)
    except IntegrityError:  # a concurrent assignment took the slot first
        raise AssignmentError("the chips' assignments changed meanwhile; try again") from None


def _active_by_chip(chip_ids) -> dict[str, list[tuple[int, int]]]:
    taken = {chip_id: [] for chip_id in chip_ids}
    for chip_id, user_id, slot in Assignment.objects.filter(chip_id__in=chip_ids, ended_at__isnull=True).values_list(
        "chip_id", "user_id", "slot"
    ):
        taken[chip_id].append((user_id, slot))
    return taken


def _annotators():
    return User.objects.filter(is_active=True, groups__name=ANNOTATOR)


def _listed_plan(chip_ids, user_ids, taken):
    try:
        user_ids = [int(u) for u in user_ids]
    except (TypeError, ValueError):
        raise AssignmentError("user ids must be integers") from None
    if len(set(user_ids)) != len(user_ids):
        raise AssignmentError("the same annotator is listed twice")
    known = set(_annotators().filter(pk__in=user_ids).values_list("pk", flat=True))
    if unknown := [u for u in user_ids if u not in known]:
        raise AssignmentError(f"not active annotators: {unknown}")
    plan = []
    for chip_id in chip_ids:
        have = {u for u, _ in taken[chip_id]}
        if twice := sorted(have & set(user_ids)):
            raise AssignmentError(f"chip {chip_id} is already assigned to user(s) {twice}")
        if len(have) + len(user_ids) > MAX_ANNOTATORS_PER_CHIP:
            raise AssignmentError(
                f"chip {chip_id} has {len(have)} annotators; {len(user_ids)} more would exceed {MAX_ANNOTATORS_PER_CHIP}"
            )
        plan += [(chip_id, u) for u in user_ids]
    return plan


def _auto_plan(chip_ids, taken):
    """Least-loaded annotators first (ties: lowest id), never one twice on a chip."""
    load = dict(
        _annotators().annotate(n=Count("assignments", filter=Q(assignments__ended_at__isnull=True))).values_list("pk", "n")
    )
    plan = []
    for chip_id in chip_ids:
        have = {u for u, _ in taken[chip_id]}
        need = MAX_ANNOTATORS_PER_CHIP - len(have)
        free = sorted((n, u) for u, n in load.items() if u not in have)
        if len(free) < need:
            raise AssignmentError(f"chip {chip_id} needs {need} more annotators; only {len(free)} are available")
        for n, u in free[:need]:
            load[u] = n + 1
            plan.append((chip_id, u))
    return plan


def assignment_end(*, assignment: Assignment, by=None) -> Assignment:
    """Unassign: the row stays as history and the slot is free again; the annotator's labels are kept."""
    if assignment.ended_at is None:
        assignment.ended_at, assignment.ended_by = timezone.now(), by
        assignment.save(update_fields=["ended_at", "ended_by"])
    return assignment


def reference_tasks_select(*, count: int, seed: int = 0, progress=None) -> list[ReferenceTask]:
    """Top the reference tasks up to `count`, stratified over tiles and chips (seeded), given to experts in turn.

    Idempotent: with `count` already reached nothing changes. Tasks without data are never chosen.
    """
    existing = ReferenceTask.objects.count()
    need = count - existing
    if need <= 0:
        return []
    rows = list(
        Task.objects.filter(has_data=True, reference__isnull=True).order_by("pk").values_list("pk", "chip_id", "chip__tile_id")
    )
    if not rows:
        return []
    ids = np.array([r[0] for r in rows])
    chips = np.unique([r[1] for r in rows], return_inverse=True)[1]
    tiles = np.unique([r[2] for r in rows], return_inverse=True)[1]
    picked = ids[stratified_pick(tiles, chips, need, seed)]
    experts = list(User.objects.filter(is_active=True, groups__name=EXPERT).order_by("pk"))
    refs = [
        ReferenceTask(task_id=int(t), expert=experts[(existing + i) % len(experts)] if experts else None, chosen_by=f"seed={seed}")
        for i, t in enumerate(progress(picked) if progress else picked)
    ]
    return ReferenceTask.objects.bulk_create(refs, ignore_conflicts=True)


def reference_task_add(*, task_id: int, expert=None) -> ReferenceTask:
    ref, _ = ReferenceTask.objects.get_or_create(task_id=task_id, defaults={"expert": expert, "chosen_by": "admin"})
    return ref
