"""A labeler's flag, comment and active time on a task (annotation.models.TaskWork)."""
from django.db.models import F
from django.utils import timezone

from lcnet_site.errors import AppError

from annotation.access import LabelTarget
from annotation.models import COMMENT_MAX_LENGTH, FlagReason, TaskWork

MAX_SECONDS_PER_REPORT = 600  # the page reports every 30 s; more than this in one report is not one person's time


def _refuse_frozen(target: LabelTarget) -> None:
    if target.frozen:
        raise AppError("this chip's consensus is frozen: its tasks can no longer change", code="frozen", status=409)


def task_work_get(*, user, target: LabelTarget) -> dict:
    row = TaskWork.objects.filter(task_id=target.task_id, user=user, kind=target.kind).first()
    return work_dict(target.task_id, row)


def work_dict(task_id: int, row: TaskWork | None) -> dict:
    if row is None:
        return {"task": task_id, "flag": None, "comment": "", "active_seconds": 0}
    return {"task": task_id, "flag": row.flag or None, "comment": row.comment, "active_seconds": row.active_seconds}


def task_flag_set(*, user, target: LabelTarget, reason: str | None, comment: str) -> dict:
    """Flag the task with a reason (None clears the flag) and a comment; both replace what was there."""
    _refuse_frozen(target)
    if reason is not None and reason not in FlagReason.values:
        raise AppError(f"reason must be one of {', '.join(FlagReason.values)} or null", field="reason")
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX_LENGTH:
        raise AppError(f"comment must be text of at most {COMMENT_MAX_LENGTH} characters", field="comment")
    row, _ = TaskWork.objects.update_or_create(
        task_id=target.task_id, user=user, kind=target.kind,
        defaults={"flag": reason or "", "comment": comment.strip(), "flagged_at": timezone.now() if reason else None},
    )
    return work_dict(target.task_id, row)


def task_time_add(*, user, target: LabelTarget, seconds: int) -> dict:
    """Add active seconds to the caller's time on the task (one atomic increment; reports never overwrite)."""
    _refuse_frozen(target)
    if type(seconds) is not int or not 1 <= seconds <= MAX_SECONDS_PER_REPORT:
        raise AppError(f"seconds must be an integer from 1 to {MAX_SECONDS_PER_REPORT}", field="seconds")
    row, created = TaskWork.objects.get_or_create(task_id=target.task_id, user=user, kind=target.kind,
                                                  defaults={"active_seconds": seconds})
    if not created:
        TaskWork.objects.filter(pk=row.pk).update(active_seconds=F("active_seconds") + seconds)
        row.refresh_from_db()
    return work_dict(target.task_id, row)
