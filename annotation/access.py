"""Look up what a caller may label on a task *and* check they may: one query, 404 for anything not theirs."""
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef
from django.http import Http404

from imagery.models import Task

from lcnet_site.roles import EXPERT

from annotation import sql
from annotation.models import Annotation, Assignment, ChipFreeze, ExpertLabel, ExtraAnnotator, ReferenceTask
from annotation.selectors import tasks_visible_to

ANNOTATION = "annotation"
EXPERT_LABEL = "expert"
ROW_FIELDS = ("id", "revision", "guess", "labels", "status", "differ_from_guess")


@dataclass(frozen=True)
class LabelTarget:
    """The caller's own label slot on a task. `row` is their current (id, revision, guess, labels, status) or None."""

    kind: str  # ANNOTATION or EXPERT_LABEL
    task_id: int
    chip_id: str
    frozen: bool
    is_reference: bool  # internal only: never shown to annotators (their reference labeling is blind)
    data_mask: bytes | None
    row: dict | None


def access_label_target(user, task_id) -> LabelTarget:
    """Experts label reference tasks (ExpertLabel); annotators label tasks of their active chips (Annotation).

    Anything else is Http404, so a caller cannot tell a task they may not see from one that does not exist.
    An expert who is also an annotator of the chip labels a reference task as the expert.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < task_id < 2**63:  # outside bigint: no such task (and no database error)
        raise Http404
    if sql.in_use():
        info = sql.access_row(user_id=user.pk, task_id=task_id, expert_group=EXPERT)
    else:
        info = _access_row_orm(user_id=user.pk, task_id=task_id, expert_group=EXPERT)
    if info is None:
        raise Http404
    if info["is_reference"] and info["is_expert"]:
        kind = EXPERT_LABEL
        row = ExpertLabel.objects.filter(task_id=task_id, expert_id=user.pk).values(*ROW_FIELDS).first()
    elif info["assigned"] and info["has_data"]:
        kind = ANNOTATION
        row = {f: info[f] for f in ROW_FIELDS} if info["id"] is not None else None
    else:
        raise Http404
    mask = None if info["mask"] is None else bytes(info["mask"])
    return LabelTarget(kind, task_id, info["chip_id"], info["frozen"], bool(info["is_reference"]), mask, row)


def _access_row_orm(*, user_id: int, task_id: int, expert_group: str) -> dict | None:
    """sql.access_row through the ORM: the task with the caller's rights on it, then their Annotation row."""
    info = (
        Task.objects.filter(pk=task_id)
        .annotate(
            assigned=Exists(Assignment.objects.filter(chip_id=OuterRef("chip_id"), user_id=user_id,
                                                      ended_at__isnull=True))
            | Exists(ExtraAnnotator.objects.filter(task_id=OuterRef("pk"), user_id=user_id, ended_at__isnull=True)),
            is_reference=Exists(ReferenceTask.objects.filter(task_id=OuterRef("pk"))),
            is_expert=Exists(get_user_model().groups.through.objects.filter(user_id=user_id,
                                                                            group__name=expert_group)),
            frozen=Exists(ChipFreeze.objects.filter(chip_id=OuterRef("chip_id"))),
            mask=F("data_mask__mask"),
        )
        .values("chip_id", "has_data", "assigned", "is_reference", "is_expert", "frozen", "mask")
        .first()
    )
    if info is None:
        return None
    row = Annotation.objects.filter(task_id=task_id, annotator_id=user_id).values(*ROW_FIELDS).first()
    return {**info, **(row or dict.fromkeys(ROW_FIELDS))}


def access_task(user, task_id: int) -> Task:
    """The task (with its chip) if `user` may see its imagery and guess; Http404 otherwise, so that its existence
    is not revealed. Visibility is annotation's rule (selectors.tasks_visible_to)."""
    if not 0 < task_id < 2**63:  # beyond bigint Postgres would raise instead of finding nothing
        raise Http404("No such task.")
    task = tasks_visible_to(user).select_related("chip").filter(pk=task_id).first()
    if task is None:
        raise Http404("No such task.")
    return task
