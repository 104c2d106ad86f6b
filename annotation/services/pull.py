"""The annotators' pull queue: an annotator with no work left takes the next chip that needs one."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q

from imagery.models import Chip
from lcnet_site.errors import AppError
from lcnet_site.roles import ANNOTATOR

from annotation.models import Annotation, Assignment, ChipFreeze
from annotation.policy import annotators_per_chip
from annotation.selectors import chips_with_work_left

User = get_user_model()
PULL_CANDIDATES = 20  # chips tried per pull; a chip another request holds locked is skipped, not waited for


def assignment_pull(*, user) -> Assignment:
    """The pull queue: give an annotator with no work left the next chip that needs an annotator.

    Breadth-first (chips already started, i.e. with the most annotators, first; then by id), never a chip the user
    was ever assigned to or labeled a task of, never a frozen chip, never more than the campaign's annotators per chip.
    Safe under concurrent requests on Postgres: the caller's user row is locked first (two requests of one person
    take turns, and the second finds the first's chip as work left); each candidate chip is then locked, first with
    SKIP LOCKED (a chip another request holds is passed over), then waiting for the ones passed over, and its slots
    are recounted under the lock. The database's unique constraints refuse a fourth annotator or the same one twice
    in any case.
    """
    if not user.groups.filter(name=ANNOTATOR).exists():
        raise AppError("Only annotators take chips from the queue.", code="not_annotator", status=403)
    per_chip = annotators_per_chip()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if _has_work_left(user):
            raise AppError("Finish the tasks of your chips first.", code="work_left", status=409)
        candidates = _candidates(user, per_chip)
        passed_over = []
        for chip_id in candidates:
            got = _take(chip_id, user, per_chip, skip_locked=True)
            if got == "locked":
                passed_over.append(chip_id)
            elif got is not None:
                return got
        for chip_id in passed_over:  # held by other requests a moment ago: wait for them, then recount
            got = _take(chip_id, user, per_chip, skip_locked=False)
            if got is not None:
                return got
    raise AppError("No chip needs an annotator right now.", code="queue_empty", status=404)


def _candidates(user, per_chip) -> list[str]:
    mine = Assignment.objects.filter(chip_id=OuterRef("pk"), user=user)
    labeled = Annotation.objects.filter(task__chip_id=OuterRef("pk"), annotator=user)
    return list(
        Chip.objects.filter(tasks__has_data=True).distinct()
        .exclude(Exists(mine)).exclude(Exists(labeled)).exclude(Exists(ChipFreeze.objects.filter(chip_id=OuterRef("pk"))))
        .annotate(n_active=Count("assignments", filter=Q(assignments__ended_at__isnull=True), distinct=True))
        .filter(n_active__lt=per_chip).order_by("-n_active", "pk").values_list("pk", flat=True)[:PULL_CANDIDATES]
    )


def _take(chip_id, user, per_chip, *, skip_locked: bool):
    """Lock the chip, recount its slots and take one: the Assignment, None (full or taken), or "locked"."""
    try:
        with transaction.atomic():  # a savepoint: a refused insert leaves the pull's transaction usable
            if not Chip.objects.select_for_update(skip_locked=skip_locked).filter(pk=chip_id).exists():
                return "locked"
            slots = set(Assignment.objects.filter(chip_id=chip_id, ended_at__isnull=True).values_list("slot", flat=True))
            if len(slots) >= per_chip or Assignment.objects.filter(chip_id=chip_id, user=user).exists():
                return None
            slot = min(set(range(1, per_chip + 1)) - slots)
            return Assignment.objects.create(chip_id=chip_id, user=user, slot=slot, assigned_by=None)
    except IntegrityError:  # the constraints refused it (a slot taken meanwhile)
        return None


def _has_work_left(user) -> bool:
    """Does the user have an unsubmitted task with data on an active chip? (the assignment counters' index)"""
    return chips_with_work_left(user).exists()
