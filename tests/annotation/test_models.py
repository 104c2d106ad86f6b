"""Postgres itself keeps the assignment rules, whatever code writes."""
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotation.models import Assignment


def test_a_fourth_active_slot_is_refused_by_the_database(chip, make_user):
    users = [make_user(n, "annotator") for n in ("u1", "u2", "u3", "u4")]
    for slot, user in enumerate(users[:3], start=1):
        Assignment.objects.create(chip=chip, user=user, slot=slot)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(chip=chip, user=users[3], slot=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(chip=chip, user=users[3], slot=1)


def test_the_same_user_twice_on_a_chip_is_refused_until_the_first_assignment_ends(chip, alice):
    first = Assignment.objects.create(chip=chip, user=alice, slot=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(chip=chip, user=alice, slot=2)
    first.ended_at = timezone.now()
    first.save()
    Assignment.objects.create(chip=chip, user=alice, slot=1)
    assert Assignment.objects.filter(chip=chip, user=alice).count() == 2
