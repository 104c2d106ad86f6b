"""Look up what a caller may label on a task *and* check they may: one query, 404 for anything not theirs."""
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404

from imagery.models import Task
from lcnet_site.roles import EXPERT

from .models import Annotation, Assignment, ChipFreeze, ExpertLabel, ReferenceTask, TaskDataMask

ANNOTATION = "annotation"
EXPERT_LABEL = "expert"


@dataclass(frozen=True)
class LabelTarget:
    """The caller's own label slot on a task. `row` is their current (id, revision, guess, labels, status) or None."""

    kind: str  # ANNOTATION or EXPERT_LABEL
    task_id: int
    chip_id: str
    frozen: bool
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
    info = (
        Task.objects.filter(pk=task_id)
        .annotate(
            assigned=Exists(
                Assignment.objects.filter(chip_id=OuterRef("chip_id"), user_id=user.pk, ended_at__isnull=True)
            ),
            is_reference=Exists(ReferenceTask.objects.filter(task_id=OuterRef("pk"))),
            is_expert=Exists(Group.objects.filter(name=EXPERT, user=user.pk)),
            frozen=Exists(ChipFreeze.objects.filter(chip_id=OuterRef("chip_id"))),
            mask=Subquery(TaskDataMask.objects.filter(task_id=OuterRef("pk")).values("mask")[:1]),
        )
        .values("chip_id", "has_data", "assigned", "is_reference", "is_expert", "frozen", "mask")
        .first()
    )
    if info is None:
        raise Http404
    if info["is_reference"] and info["is_expert"]:
        kind, rows = EXPERT_LABEL, ExpertLabel.objects.filter(task_id=task_id, expert_id=user.pk)
    elif info["assigned"] and info["has_data"]:
        kind, rows = ANNOTATION, Annotation.objects.filter(task_id=task_id, annotator_id=user.pk)
    else:
        raise Http404
    row = rows.values("id", "revision", "guess", "labels", "status", "differ_from_guess").first()
    mask = None if info["mask"] is None else bytes(info["mask"])
    return LabelTarget(kind, task_id, info["chip_id"], info["frozen"], mask, row)
