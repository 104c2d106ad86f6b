"""Readers of the annotation app. Other apps build on these names (see docs/annotation.md)."""
import numpy as np
from django.db.models import CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db import connection
from django.db.models.functions import Coalesce

from guesslabels import selectors as guess_selectors
from guesslabels.selectors import task_guess_info
from imagery.lib.domain import CHIP_SIZE, TASK_SIZE
from imagery.models import Task
from lcnet_site.roles import ANNOTATOR, EXPERT, has_role, is_admin
from lcnet_site.sql import ids_in

from annotation.lib.labels import empty_labels, labels_from_bytes
from annotation.models import (Annotation, Assignment, ChipFreeze, ExpertLabel, ExtraAnnotator, ReferenceTask, Status,
                               TaskWork)


def active_assignments(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(user=user, ended_at__isnull=True)


def still_labeling(user, prefix: str = "") -> Q:
    """A Q over tasks (`prefix` names the task in a related query, e.g. "task__") that the user still labels as an
    annotator: those of chips actively assigned to them and their active extra tasks. Labeling is blind: nothing
    derived from others' labels of these (the consensus, its scores) may be shown to them, whatever their other
    roles."""
    extra = ExtraAnnotator.objects.filter(user_id=user.pk, ended_at__isnull=True).values("task_id")
    return Q(**{f"{prefix}chip_id__in": active_assignments(user).values("chip_id")}) | Q(**{f"{prefix}pk__in": extra})


def tasks_visible_to(user) -> QuerySet[Task]:
    """Annotator: tasks with data of chips assigned to them (not ended); expert: reference tasks; admin: all."""
    if not getattr(user, "is_authenticated", False):
        return Task.objects.none()
    if is_admin(user):
        return Task.objects.all()
    visible = Q(pk__in=[])
    if has_role(user, ANNOTATOR):
        visible |= Q(has_data=True, chip_id__in=active_assignments(user).values("chip_id"))
    if has_role(user, EXPERT):
        visible |= Q(pk__in=ReferenceTask.objects.values("task_id"))
    return Task.objects.filter(visible)


def task_guess_start(task) -> tuple[np.ndarray, dict | None]:
    """What a first save starts from: the task's current guess label (zeros when there is none) and where it came
    from (task_guess_info without the labels; None without a guess)."""
    info = task_guess_info(task)
    if info is None:
        return empty_labels(), None
    labels = np.asarray(info["labels"], dtype=np.uint8).reshape(empty_labels().shape)
    return labels, {key: value for key, value in info.items() if key != "labels"}


def task_guess_or_none(task) -> np.ndarray | None:
    """The task's current guess label; None when its chip has none."""
    labels, origin = task_guess_start(task)
    return None if origin is None else labels


def task_guess_labels(task) -> np.ndarray:
    """The task's current guess label, or all zeros when there is none."""
    return task_guess_start(task)[0]


def chip_has_guess(chip_id) -> bool:
    """Does the chip have a guess label? (The page skips asking for a guess that is not there.)"""
    return guess_selectors.chip_has_guess(chip_id)


def submitted_annotations(task_ids=None, *, tile_id=None) -> QuerySet[Annotation]:
    """Submitted annotations by their chip's active annotators (assignment and annotation matched on the same chip)
    or by the task's active extra annotator (ExtraAnnotator): what counts toward a task's consensus. The one
    definition; annotation.sql counts the chip's annotators on the submit path (enough to know a task is complete)."""
    crew = Assignment.objects.filter(chip_id=OuterRef("task__chip_id"), user_id=OuterRef("annotator_id"),
                                     ended_at__isnull=True)
    extra = ExtraAnnotator.objects.filter(task_id=OuterRef("task_id"), user_id=OuterRef("annotator_id"),
                                          ended_at__isnull=True)
    rows = Annotation.objects.filter(Q(Exists(crew)) | Q(Exists(extra)), status=Status.SUBMITTED)
    if task_ids is not None:
        task_ids = [int(t) for t in task_ids]
        rows = rows.filter(task_id__in=ids_in(task_ids))
        if connection.vendor == "postgresql":
            # the same condition on the joined task (the crew's chip): Postgres then reads a batch's tasks by index
            # instead of hashing the whole task table (Django would trim a filter on task__id to the annotation)
            rows = rows.extra(where=['"imagery_task"."id" = ANY(%s::bigint[])'], params=[task_ids])
    if tile_id is not None:
        rows = rows.filter(task__chip__tile_id=tile_id)
    return rows


def submitted_count(task_id) -> int:
    return submitted_annotations([task_id]).count()


def chips_with_work_left(user) -> QuerySet:
    """Chip ids of the user's active assignments that still have tasks to submit: read from the partial index
    assignment_work_left (the counters are kept by the database), so it costs what the annotator has left,
    not what they have done."""
    return active_assignments(user).filter(n_submitted__lt=F("n_tasks")).values("chip_id")


def my_tasks(user, *, chip_id=None, status=None) -> QuerySet[Task]:
    """The caller's tasks (annotator: their chips' tasks; expert: reference tasks given to them or to nobody),
    annotated with `label_status` and `label_revision` of the caller's own labels and `frozen` (the chip's
    consensus is final: its tasks can no longer be saved).

    Annotators' pending and draft tasks only lie on chips with work left, so those filters start from that index;
    status filters are (anti-)joins on the caller's own rows, never a per-task subquery compared afterwards."""
    mine = Q(pk__in=[])
    own = None
    kind = "annotation"
    if has_role(user, ANNOTATOR):
        # chips with work left as a list: given the subquery, Postgres merges it with the whole task index in chip
        # order (the unfinished chips lie anywhere in it); given their few ids it reads their tasks by index
        chips = list(chips_with_work_left(user).values_list("chip_id", flat=True)) \
            if status in (Status.PENDING, Status.DRAFT) else active_assignments(user).values("chip_id")
        mine |= Q(has_data=True, chip_id__in=chips)
        own = Annotation.objects.filter(task_id=OuterRef("pk"), annotator=user).order_by()  # one row: no sort
    if has_role(user, EXPERT):
        refs = ReferenceTask.objects.filter(Q(expert=user) | Q(expert__isnull=True)).values("task_id")
        mine |= Q(pk__in=refs)
        if own is None:
            own, kind = ExpertLabel.objects.filter(task_id=OuterRef("pk"), expert=user).order_by(), "expert"
    if own is None:
        return Task.objects.none().annotate(label_status=Value(Status.PENDING.value), label_revision=Value(0),
                                            frozen=Value(False), flag=Value(None, output_field=CharField()))
    work = TaskWork.objects.filter(task_id=OuterRef("pk"), user=user, kind=kind).exclude(flag="").order_by()
    qs = Task.objects.filter(mine)
    if chip_id:
        qs = qs.filter(chip_id=chip_id)
    if status == Status.PENDING:
        qs = qs.filter(~Exists(own))
    elif status:
        qs = qs.filter(Exists(own.filter(status=status)))
    qs = qs.annotate(
        label_status=Coalesce(Subquery(own.values("status")[:1]), Value(Status.PENDING.value)),
        label_revision=Coalesce(Subquery(own.values("revision")[:1]), Value(0), output_field=IntegerField()),
        frozen=Exists(ChipFreeze.objects.filter(chip_id=OuterRef("chip_id"))),
        flag=Subquery(work.values("flag")[:1]),
    )
    return qs.order_by("chip_id", "row", "col")


def my_tasks_count(user, *, chip_id=None, status=None) -> int | None:
    """How many tasks my_tasks(user) lists, from the assignment counters where they say it: Assignment.n_tasks and
    n_submitted summed over the annotator's assignments instead of counting tens of thousands of tasks, and their
    drafts (the few rows they started and did not submit, from annotation_annotator_status). An annotator saves
    only tasks with data on their chips, so pending = tasks - submitted - drafts. None: the list must be counted
    (a chip filter, or an expert's tasks too)."""
    if chip_id or not has_role(user, ANNOTATOR) or has_role(user, EXPERT):
        return None
    if status not in (None, "", Status.PENDING, Status.DRAFT, Status.SUBMITTED):
        return None
    mine = active_assignments(user)
    counts = mine.aggregate(tasks=Sum("n_tasks"), submitted=Sum("n_submitted"))
    tasks, submitted = counts["tasks"] or 0, counts["submitted"] or 0
    if not status:
        return tasks
    if status == Status.SUBMITTED:
        return submitted
    drafts = Annotation.objects.filter(annotator=user, status=Status.DRAFT,
                                       task__chip_id__in=mine.values("chip_id")).count()
    return drafts if status == Status.DRAFT else tasks - submitted - drafts


def next_task(user) -> Task | None:
    """The caller's next unfinished task, staying inside the chip they last worked on until it is done.
    Frozen chips are skipped: every save there would be refused.

    Annotators: only chips with work left are looked at (assignment_work_left), so the cost is bounded by what
    the annotator has left (a chip is 64 tasks), whatever they have already done."""
    if not has_role(user, ANNOTATOR):
        return _next_expert_task(user)
    chips = list(
        Assignment.objects.filter(user=user, ended_at__isnull=True, n_submitted__lt=F("n_tasks"))
        .exclude(chip_id__in=ChipFreeze.objects.values("chip_id"))
        .values_list("chip_id", flat=True)
    )
    if not chips:
        return None
    # a task is left while the user's own row of it is not submitted: probed per task in (chip, row, col) order,
    # so the first one found ends the scan (no set of every submission on those chips built first)
    submitted = Annotation.objects.filter(task_id=OuterRef("pk"), annotator=user, status=Status.SUBMITTED)
    todo = my_tasks(user).filter(chip_id__in=chips).filter(~Exists(submitted))
    last_chip = (  # newest first from annotation_annotator_recent: the first row on a chip with work left ends it
        Annotation.objects.filter(annotator=user, task__chip_id__in=chips)
        .order_by("-updated_at")
        .values_list("task__chip_id", flat=True)
        .first()
    )
    return (last_chip and todo.filter(chip_id=last_chip).first()) or todo.first()


def _next_expert_task(user) -> Task | None:
    """Experts: reference tasks (a few hundred per campaign), the same rule."""
    todo = my_tasks(user).exclude(label_status=Status.SUBMITTED).filter(frozen=False)
    last_chip = (
        ExpertLabel.objects.filter(expert=user, task__chip_id__in=todo.values("chip_id"))
        .order_by("-updated_at")
        .values_list("task__chip_id", flat=True)
        .first()
    )
    return (last_chip and todo.filter(chip_id=last_chip).first()) or todo.first()


def chip_progress(chip_ids) -> dict[str, list[dict]]:
    """Per chip, per active annotator: submitted tasks out of the chip's tasks with data (one query, read from
    the assignment counters)."""
    rows = Assignment.objects.filter(chip_id__in=list(chip_ids), ended_at__isnull=True).values(
        "chip_id", "user_id", "user__username", "slot", submitted=F("n_submitted"), total=F("n_tasks"))
    out: dict[str, list[dict]] = {}
    for row in rows.order_by("chip_id", "slot"):
        out.setdefault(row["chip_id"], []).append(row)
    return out


def label_current(target) -> dict:
    """The caller's labels for a task (an access.LabelTarget): their last save, or the guess label until then."""
    row = target.row
    if row is None:
        guess = task_guess_or_none(Task.objects.get(pk=target.task_id))
        return dict(task=target.task_id, chip=target.chip_id, labels=empty_labels() if guess is None else guess, revision=0,
                    status=Status.PENDING.value, differ_from_guess=0, frozen=target.frozen, has_guess=guess is not None)
    return dict(task=target.task_id, chip=target.chip_id, labels=labels_from_bytes(row["labels"]), revision=row["revision"],
                status=row["status"], differ_from_guess=row["differ_from_guess"], frozen=target.frozen,
                has_guess=chip_has_guess(target.chip_id))


def chip_labels_of(user, *, chip_id: str, kind: str) -> np.ndarray:
    """(256, 256) uint8: the user's own saved labels on the chip's tasks (annotations, or expert labels when
    `kind` is "expert"), 0 where they saved nothing. Nobody else's labels are read."""
    chip = np.zeros((CHIP_SIZE, CHIP_SIZE), dtype=np.uint8)
    if kind == "expert":
        rows = ExpertLabel.objects.filter(expert=user, task__chip_id=chip_id)
    else:
        rows = Annotation.objects.filter(annotator=user, task__chip_id=chip_id)
    for row, col, raw in rows.values_list("task__row", "task__col", "labels"):
        chip[row * TASK_SIZE:(row + 1) * TASK_SIZE, col * TASK_SIZE:(col + 1) * TASK_SIZE] = labels_from_bytes(raw)
    return chip


def my_extra_tasks(user) -> list[dict]:
    """The user's active extra tasks (ExtraAnnotator) with their own annotation's status, one query."""
    mine = Annotation.objects.filter(task_id=OuterRef("task_id"), annotator_id=user.pk).values("status")[:1]
    rows = (ExtraAnnotator.objects.filter(user_id=user.pk, ended_at__isnull=True).order_by("task_id")
            .annotate(status=Subquery(mine)).values("task_id", "task__chip_id", "task__row", "task__col", "status"))
    return [{"task": r["task_id"], "chip": r["task__chip_id"], "row": r["task__row"], "col": r["task__col"],
             "status": r["status"]} for r in rows]
