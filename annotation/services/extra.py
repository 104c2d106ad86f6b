"""Writers of extra annotators: one more annotator for one task only (the consensus app asks for one where the
consensus is weak, docs/consensus.md "Policies"; annotation only checks the rule and writes the row)."""
from django.db import IntegrityError, transaction

from annotation.models import Annotation, Assignment, ChipFreeze, ExtraAnnotator
from imagery.models import Task
from lcnet_site.errors import AppError
from lcnet_site.roles import ANNOTATOR, has_role


def extra_annotator_add(*, task_id: int, user, reason: str = "") -> ExtraAnnotator:
    """Give `user` this task only. Refused (AppError, nothing stored) for a task that already has an active extra
    annotator, a frozen chip, a user who is no annotator, holds or held the chip, or labeled the task."""
    task = Task.objects.filter(pk=task_id).only("pk", "chip_id", "has_data").first()
    if task is None or not task.has_data:
        raise AppError("no such task with data", code="not_found", status=404)
    if not has_role(user, ANNOTATOR):
        raise AppError("only annotators can be given a task", field="user")
    if ChipFreeze.objects.filter(chip_id=task.chip_id).exists():
        raise AppError("the chip is frozen", code="frozen", status=409)
    if Assignment.objects.filter(chip_id=task.chip_id, user=user).exists() or Annotation.objects.filter(
            task_id=task_id, annotator=user).exists():
        raise AppError("never someone who labeled the task or was given its chip", code="labeled_it", status=409)
    try:
        with transaction.atomic():
            return ExtraAnnotator.objects.create(task_id=task_id, user=user, reason=reason[:200])
    except IntegrityError:
        raise AppError("the task has an extra annotator already", code="has_extra", status=409) from None
