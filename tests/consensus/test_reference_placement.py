"""Reference tasks go first to the chips of annotators whose accuracy is still uncertain (unknown, or a wide
interval), for a share of the top-up; the rest stays stratified, and an annotator measured precisely gets none first."""
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from annotation.models import ReferenceTask
from annotation.services import assignments_create
from consensus.models import AnnotatorAccuracy
from consensus.reference_policy import uncertain_annotators


def _accuracy(user, low, high):
    AnnotatorAccuracy.objects.create(annotator=user, accuracy=(low + high) / 2, computed_at=timezone.now(),
                                     pooled={"accuracy": (low + high) / 2, "low": low, "high": high})


@pytest.fixture
def crew(make_chip, alice, bob, carol, make_user, erin):
    """12 chips over 3 tiles: alice (no accuracy yet) holds 2, carol (interval 0.40 wide) 2, bob (0.04 wide) 8."""
    chips = [make_chip(f"{tile}_{n:02d}") for tile in ("30PWT", "33LUD", "36PYV") for n in range(4)]
    dave = make_user("dave", "annotator")
    _accuracy(bob, 0.90, 0.94)
    _accuracy(carol, 0.50, 0.90)
    held = {alice: chips[0:2], carol: chips[4:6], bob: chips[2:4] + chips[6:12], dave: chips[8:9]}
    for user, theirs in held.items():
        assignments_create(chip_ids=[c.pk for c in theirs], user_ids=[user.pk])
    dave.is_active = False  # gone since: nobody to measure
    dave.save()
    return {user.username: {c.pk for c in theirs} for user, theirs in held.items()}


def test_the_uncertain_annotators_are_the_unmeasured_then_the_widest(crew, alice, bob, carol):
    assert uncertain_annotators(width=0.10) == [alice.pk, carol.pk]
    assert uncertain_annotators(width=0.5) == [alice.pk]  # carol's 0.40 is narrow enough then


def test_a_share_of_the_top_up_lands_one_a_chip_on_their_chips(crew, settings):
    settings.LCNET_CAMPAIGN = {"reference_uncertain_share": 1.0}
    call_command("select_reference_tasks", "--count", "4", "--seed", "3")
    chips = Counter(ReferenceTask.objects.values_list("task__chip_id", flat=True))
    assert set(chips) == crew["alice"] | crew["carol"] and set(chips.values()) == {1}


def test_the_rest_of_the_top_up_stays_spread_over_every_tile(crew, settings):
    settings.LCNET_CAMPAIGN = {"reference_uncertain_share": 0.5}
    call_command("select_reference_tasks", "--count", "12", "--seed", "3")
    refs = list(ReferenceTask.objects.values_list("task__chip_id", "task__chip__tile_id"))
    on_uncertain = sum(chip in crew["alice"] | crew["carol"] for chip, _ in refs)
    assert len(refs) == 12 and on_uncertain >= 6  # 6 placed first, the stratified half may add more
    assert set(Counter(tile for _, tile in refs)) == {"30PWT", "33LUD", "36PYV"}


def test_with_nobody_uncertain_the_draw_is_the_stratified_one(crew, settings, alice, bob, carol):
    settings.LCNET_CAMPAIGN = {"reference_uncertain_share": 0.0}
    call_command("select_reference_tasks", "--count", "12", "--seed", "3")
    placed = set(ReferenceTask.objects.values_list("task_id", flat=True))
    ReferenceTask.objects.all().delete()
    AnnotatorAccuracy.objects.all().delete()
    settings.LCNET_CAMPAIGN = {"reference_uncertain_share": 0.5}
    for user in (alice, bob, carol):  # everyone measured precisely: nobody's chips go first
        _accuracy(user, 0.90, 0.92)
    call_command("select_reference_tasks", "--count", "12", "--seed", "3")
    assert set(ReferenceTask.objects.values_list("task_id", flat=True)) == placed
