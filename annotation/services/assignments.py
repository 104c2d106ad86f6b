"""Handing chips to annotators (all or nothing) and taking them back."""
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from imagery.models import Chip
from lcnet_site.errors import AppError
from lcnet_site.outbox.services import job_enqueue
from lcnet_site.roles import ANNOTATOR

from annotation.jobs import CHIP_MASKS
from annotation.models import Assignment
from annotation.policy import annotators_per_chip

User = get_user_model()


class AssignmentError(AppError):
    """An assignment request that would break a rule; nothing was changed (400)."""

    code = "invalid_assignment"


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
                slot = min(set(range(1, annotators_per_chip() + 1)) - {s for _, s in taken[chip_id]})
                taken[chip_id].append((user_id, slot))
                created.append(Assignment(chip_id=chip_id, user_id=user_id, slot=slot, assigned_by=by))
            rows = Assignment.objects.bulk_create(created)
            # a worker reads the chips' scenes for their data masks now, not an annotator's first submit later
            for chip_id in sorted({a.chip_id for a in rows}):
                job_enqueue(kind=CHIP_MASKS, key=chip_id, payload={"chip_id": chip_id})
            return rows
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
        if len(have) + len(user_ids) > annotators_per_chip():
            raise AssignmentError(
                f"chip {chip_id} has {len(have)} annotators; {len(user_ids)} more would exceed {annotators_per_chip()}"
            )
        plan += [(chip_id, u) for u in user_ids]
    return plan


def _auto_plan(chip_ids, taken):
    """Least-loaded annotators first (ties: lowest id), never one twice on a chip.

    Annotators never assigned to the chip come before those unassigned from it (they left or were taken off it
    for a reason); one of those comes back only when nobody else is available.
    """
    load = dict(
        _annotators().annotate(n=Count("assignments", filter=Q(assignments__ended_at__isnull=True))).values_list("pk", "n")
    )
    left = set(
        Assignment.objects.filter(chip_id__in=chip_ids, ended_at__isnull=False).values_list("chip_id", "user_id")
    )
    plan = []
    for chip_id in chip_ids:
        have = {u for u, _ in taken[chip_id]}
        need = annotators_per_chip() - len(have)
        free = sorted(((chip_id, u) in left, n, u) for u, n in load.items() if u not in have)
        if len(free) < need:
            raise AssignmentError(f"chip {chip_id} needs {need} more annotators; only {len(free)} are available")
        for _, n, u in free[:need]:
            load[u] = n + 1
            plan.append((chip_id, u))
    return plan


def assignment_end(*, assignment: Assignment, by=None) -> Assignment:
    """Unassign: the row stays as history and the slot is free again; the annotator's labels are kept."""
    if assignment.ended_at is None:
        assignment.ended_at, assignment.ended_by = timezone.now(), by
        assignment.save(update_fields=["ended_at", "ended_by"])
    return assignment
