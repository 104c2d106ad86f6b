"""Saving labels (annotators' and experts') with their append-only history; freezing a chip."""
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from imagery.lib.domain import CHIP_SIZE
from guesslabels.services import guess_keep
from imagery.models import Scene, Task
from lcnet_site.errors import AppError

from annotation import selectors, sql
from annotation.access import ANNOTATION, EXPERT_LABEL, LabelTarget
from annotation.lib.labels import (
    LabelError,
    check_no_data,
    count_differ,
    data_mask_from_stack,
    split_tasks,
    labels_from_bytes,
    labels_to_bytes,
    pack_mask,
    unpack_mask,
)
from annotation.models import (
    Annotation,
    AnnotationRevision,
    ChipFreeze,
    ExpertLabel,
    ExpertLabelRevision,
    Status,
    TaskDataMask,
)
from annotation.policy import annotators_per_chip
from annotation.signals import (
    annotation_submitted,
    annotation_withdrawn,
    expert_label_submitted,
    expert_label_withdrawn,
)


class StaleRevision(AppError):
    """A save naming a revision that is no longer the current one (409, with the current revision)."""

    code, status = "stale_revision", 409

    def __init__(self, current: int):
        super().__init__(f"stale revision: the current revision is {current}; reload and reapply your edits",
                         extra={"revision": current})
        self.current = current


class Frozen(AppError):
    """A save on a chip whose consensus is final (409)."""

    code, status = "frozen", 409

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
    """The task's pixels with imagery. Computed for all tasks of its chip at once (one full read per scene, one
    scene in memory at a time) and cached; nothing is cached while the chip has no scenes (all no data).
    Normally built already when the chip was assigned (chip_data_masks_ensure, in a worker): this is the fallback."""
    task = Task.objects.get(pk=task_id)
    return _chip_masks(task.chip_id)[task.row, task.col]


def chip_data_masks_ensure(*, chip_id: str) -> int:
    """Build and cache the data masks of the chip's tasks unless they are all cached; returns how many were built."""
    n_tasks = Task.objects.filter(chip_id=chip_id).count()
    if TaskDataMask.objects.filter(task__chip_id=chip_id).count() >= n_tasks:
        return 0
    _chip_masks(chip_id)
    return n_tasks


def _chip_masks(chip_id: str) -> np.ndarray:
    """(8, 8, 32, 32) bool: every task's pixels with imagery, cached as TaskDataMask rows when the chip has scenes."""
    from imagery.selectors import read_scene_window  # imagery reads COGs; imported when first needed

    scenes = list(Scene.objects.filter(chip_id=chip_id))
    chip_mask = np.zeros((CHIP_SIZE, CHIP_SIZE), dtype=bool)
    for scene in scenes:
        chip_mask |= data_mask_from_stack(read_scene_window(scene, (0, 0, CHIP_SIZE, CHIP_SIZE))[None])
    by_task = split_tasks(chip_mask)
    if scenes:
        tasks = list(Task.objects.filter(chip_id=chip_id))
        TaskDataMask.objects.bulk_create(
            [TaskDataMask(task=t, mask=pack_mask(by_task[t.row, t.col]), n_scenes=len(scenes)) for t in tasks],
            update_conflicts=True, unique_fields=["task"], update_fields=["mask", "n_scenes", "computed_at"],
        )
    return by_task


@dataclass(frozen=True)
class _Kind:
    model: type  # Annotation or ExpertLabel
    history: type  # its revision model
    parent: str  # the revision's foreign key column to it
    owner: str  # the labeler's column
    signal: object


_KINDS = {
    ANNOTATION: _Kind(Annotation, AnnotationRevision, "annotation_id", "annotator_id", annotation_submitted),
    EXPERT_LABEL: _Kind(ExpertLabel, ExpertLabelRevision, "expert_label_id", "expert_id", expert_label_submitted),
}


def label_save(*, user, target: LabelTarget, labels: np.ndarray, revision: int, submit: bool) -> Saved:
    """Save (draft) or submit the caller's labels for a task, if `revision` is their current one.

    The update is conditional (`WHERE revision = N`), so of two concurrent saves naming the same revision exactly
    one wins and the other raises StaleRevision; every successful call appends one revision row.
    """
    if target.frozen:
        raise Frozen()
    if submit:
        mask = unpack_mask(target.data_mask) if target.data_mask else task_data_mask_ensure(task_id=target.task_id)
        try:
            check_no_data(labels, mask)
        except LabelError as exc:
            raise AppError(str(exc), code="invalid_labels", field="labels") from None
    kind = _KINDS[target.kind]
    status = Status.SUBMITTED if submit else Status.DRAFT
    values = dict(labels=labels_to_bytes(labels), status=status.value, now=timezone.now(), submit=submit)
    count = submit and target.kind == ANNOTATION  # co-annotators' submissions, for the consensus hook
    if target.row is None:
        if revision != 0:
            raise StaleRevision(0)
        new_revision, others = _first_save(kind, user, target, labels, values, count)
    else:
        if revision != target.row["revision"]:
            raise StaleRevision(target.row["revision"])
        values["differ"] = count_differ(labels, labels_from_bytes(target.row["guess"]))
        save = _update_postgres if sql.in_use() else _update_orm
        new_revision, others = save(kind, user, target, revision, values, count)
        if new_revision is None:
            raise StaleRevision(kind.model.objects.filter(pk=target.row["id"]).values_list("revision", flat=True)[0])
    if submit:
        _announce_on_commit(kind, target, user, new_revision, others)
    elif target.row is not None and target.row["status"] == Status.SUBMITTED:
        _announce_withdrawn_on_commit(target, user, new_revision)
    return Saved(target.task_id, target.kind, new_revision, status.value, values["differ"])


def _first_save(kind, user, target, labels, values, count):
    """Create the caller's row from the task's current guess; a concurrent first save makes this one stale."""
    guess, origin = selectors.task_guess_start(Task.objects.get(pk=target.task_id))
    values["differ"] = count_differ(labels, guess)
    common = dict(labels=values["labels"], status=values["status"], differ_from_guess=values["differ"])
    try:
        with transaction.atomic():
            row = kind.model.objects.create(
                task_id=target.task_id, **{kind.owner: user.pk}, guess=labels_to_bytes(guess), revision=1,
                submitted_at=values["now"] if values["submit"] else None, **common,
            )
            kind.history.objects.create(**{kind.parent: row.pk}, revision=1, author_id=user.pk, **common)
            # Later guess-label runs keep the guess this task started from (no source: it started with none).
            guess_keep(task_id=target.task_id, source=origin["source"] if origin else "",
                       run_id=origin["run"] if origin else None)
    except IntegrityError:
        raise StaleRevision(1) from None
    return 1, selectors.submitted_count(target.task_id) - 1 if count else None


def _update_postgres(kind, user, target, revision, values, count):
    # One statement, atomic by itself: no BEGIN/COMMIT round trips on the hot path.
    return sql.update_and_record(
        model=kind.model, history=kind.history, parent=kind.parent, row_id=target.row["id"], revision=revision,
        values=values, author_id=user.pk, count_task=(target.task_id, target.chip_id) if count else None,
    )


def _update_orm(kind, user, target, revision, values, count):
    """The same as _update_postgres for other databases (the SQLite demo), in a transaction."""
    common = dict(labels=values["labels"], status=values["status"], differ_from_guess=values["differ"])
    with transaction.atomic():
        changes = dict(common, updated_at=values["now"], revision=F("revision") + 1)
        if values["submit"]:
            changes["submitted_at"] = values["now"]
        if not kind.model.objects.filter(pk=target.row["id"], revision=revision).update(**changes):
            return None, None
        kind.history.objects.create(**{kind.parent: target.row["id"]}, revision=revision + 1, author_id=user.pk,
                                    **common)
        return revision + 1, selectors.submitted_count(target.task_id) - 1 if count else None


def _submitted_count(target: LabelTarget) -> int:
    """Active annotators of the task whose annotation is submitted (a fresh snapshot: run it after commit)."""
    if sql.in_use():
        return sql.submitted_count(task_id=target.task_id, chip_id=target.chip_id)
    return selectors.submitted_count(target.task_id)


def _announce_on_commit(kind, target: LabelTarget, user, revision: int, others) -> None:
    """Tell consensus when there is work for it: an annotator's submit once the task has all its annotators
    (the third and any later resubmit) or on a reference task (the annotator's accuracy); every expert submit.

    The count inside the saving statement sees only what was committed when it started: two annotators
    submitting the 2nd and 3rd annotation at the same moment would each count 2. So below annotators_per_chip()
    the count is taken again after commit; whichever commit is last then sees all of them.
    """
    if target.kind == EXPERT_LABEL:
        kwargs = dict(task_id=target.task_id, expert_id=user.pk, revision=revision)
        transaction.on_commit(lambda: kind.signal.send(sender=kind.model, **kwargs))
        return
    kwargs = dict(task_id=target.task_id, annotator_id=user.pk, revision=revision, is_reference=target.is_reference)

    def announce(count):
        if count >= needed or target.is_reference:
            kind.signal.send(sender=kind.model, submitted_count=count, **kwargs)

    needed = annotators_per_chip()
    if others + 1 >= needed:
        transaction.on_commit(lambda: announce(others + 1))
    else:
        transaction.on_commit(lambda: announce(_submitted_count(target)))


def _announce_withdrawn_on_commit(target: LabelTarget, user, revision: int) -> None:
    """A draft over a submitted annotation takes it out of the consensus: tell consensus, whatever the count
    (two annotators withdrawing at once would each see too few to matter). Rare, so off the submit hot path.
    An expert's draft over their submitted label takes it out of the annotators' scores the same way."""
    if target.kind == EXPERT_LABEL:
        kwargs = dict(task_id=target.task_id, expert_id=user.pk, revision=revision)
        transaction.on_commit(lambda: expert_label_withdrawn.send(sender=ExpertLabel, **kwargs))
        return

    def announce():
        count = _submitted_count(target)
        annotation_withdrawn.send(sender=Annotation, task_id=target.task_id, annotator_id=user.pk, revision=revision,
                                  submitted_count=count, is_reference=target.is_reference)

    transaction.on_commit(announce)


def chip_freeze(*, chip_id: str, user=None) -> ChipFreeze:
    freeze, _ = ChipFreeze.objects.get_or_create(chip_id=chip_id, defaults={"frozen_by": user})
    return freeze


def chip_unfreeze(*, chip_id: str) -> None:
    ChipFreeze.objects.filter(chip_id=chip_id).delete()
