"""python manage.py select_reference_tasks: stratified over tiles and chips, seeded, idempotent, given to experts."""
from collections import Counter

import pytest
from django.core.management import call_command

from annotation.models import ReferenceTask


@pytest.fixture
def chips(make_chip):
    return [make_chip(f"{tile}_{n:02d}") for tile in ("30PWT", "33LUD", "36PYV") for n in range(4)]


def test_the_command_spreads_references_over_tiles_and_chips_and_gives_them_to_experts(chips, erin, make_user):
    other = make_user("frank", "expert")
    call_command("select_reference_tasks", "--count", "30", "--seed", "4")
    refs = list(ReferenceTask.objects.select_related("task__chip"))
    assert len(refs) == 30
    per_tile = Counter(r.task.chip.tile_id for r in refs)
    assert sorted(per_tile.values()) == [10, 10, 10]
    per_chip = Counter(r.task.chip_id for r in refs)
    assert len(per_chip) == 12 and max(per_chip.values()) - min(per_chip.values()) <= 1
    assert Counter(r.expert_id for r in refs) == {erin.pk: 15, other.pk: 15}


def test_running_it_again_changes_nothing_and_a_higher_count_tops_up(chips, erin):
    call_command("select_reference_tasks", "--count", "12", "--seed", "1")
    first = set(ReferenceTask.objects.values_list("task_id", flat=True))
    call_command("select_reference_tasks", "--count", "12", "--seed", "1")
    assert set(ReferenceTask.objects.values_list("task_id", flat=True)) == first
    call_command("select_reference_tasks", "--count", "20", "--seed", "1")
    assert ReferenceTask.objects.count() == 20 and first <= set(ReferenceTask.objects.values_list("task_id", flat=True))


def test_the_same_seed_on_the_same_chips_picks_the_same_tasks(chips, erin):
    call_command("select_reference_tasks", "--count", "9", "--seed", "2")
    first = set(ReferenceTask.objects.values_list("task_id", flat=True))
    ReferenceTask.objects.all().delete()
    call_command("select_reference_tasks", "--count", "9", "--seed", "2")
    assert set(ReferenceTask.objects.values_list("task_id", flat=True)) == first


def test_tasks_without_data_are_never_chosen(chips, erin):
    from imagery.models import Task

    Task.objects.exclude(row=0, col=0).update(has_data=False)
    call_command("select_reference_tasks", "--count", "540")
    assert ReferenceTask.objects.count() == 12
    assert set(ReferenceTask.objects.values_list("task__row", "task__col")) == {(0, 0)}
