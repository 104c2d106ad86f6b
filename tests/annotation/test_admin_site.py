"""Django admin: assign chips (auto or chosen), see progress per annotator, unassign."""
import numpy as np
import pytest

from annotation.access import access_label_target
from annotation.models import Assignment
from annotation.services import label_save

CHANGELIST = "/admin/annotation/chipwork/"


@pytest.fixture
def staff(make_user, client):
    user = make_user("root", "admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def annotators(make_user):
    return [make_user(f"ann{i}", "annotator") for i in range(4)]


def test_the_auto_action_gives_each_chip_three_annotators(staff, chip, other_chip, annotators):
    r = staff.post(CHANGELIST, {"action": "assign_auto", "_selected_action": [chip.pk, other_chip.pk]}, follow=True)
    assert "6 assignments created" in r.content.decode()
    assert Assignment.objects.filter(chip=chip).count() == Assignment.objects.filter(chip=other_chip).count() == 3


def test_the_chosen_action_asks_for_users_then_assigns_them(staff, chip, annotators):
    form = staff.post(CHANGELIST, {"action": "assign_chosen", "_selected_action": [chip.pk]})
    assert form.status_code == 200 and "ann3" in form.content.decode()
    picked = [annotators[1].pk, annotators[3].pk]
    staff.post(CHANGELIST, {"action": "assign_chosen", "_selected_action": [chip.pk], "apply": "1", "users": picked})
    assert sorted(Assignment.objects.filter(chip=chip).values_list("user_id", flat=True)) == sorted(picked)


def test_a_refused_assignment_shows_why_and_changes_nothing(staff, chip, annotators, assign):
    assign(chip, *annotators[:3])
    r = staff.post(CHANGELIST, {"action": "assign_chosen", "_selected_action": [chip.pk], "apply": "1",
                                "users": [annotators[3].pk]}, follow=True)
    assert "Nothing assigned" in r.content.decode() and Assignment.objects.count() == 3


def test_the_list_shows_progress_per_annotator(staff, chip, annotators, assign, full_mask):
    assign(chip, annotators[0], annotators[1])
    full_mask(chip)
    for task in chip.tasks.all()[:5]:
        label_save(user=annotators[0], target=access_label_target(annotators[0], task.pk),
                   labels=np.ones((32, 32), np.uint8), revision=0, submit=True)
    page = staff.get(CHANGELIST).content.decode()
    assert "ann0 5/64" in page and "ann1 0/64" in page


def test_unassign_ends_the_assignment_and_keeps_it(staff, chip, annotators, assign):
    (a,) = assign(chip, annotators[0])
    staff.post("/admin/annotation/assignment/", {"action": "unassign", "_selected_action": [a.pk]})
    a.refresh_from_db()
    assert a.ended_at is not None and Assignment.objects.count() == 1


def test_freeze_and_unfreeze_confirm_how_many_chips(staff, chip, other_chip):
    from annotation.models import ChipFreeze

    r = staff.post(CHANGELIST, {"action": "freeze", "_selected_action": [chip.pk, other_chip.pk]}, follow=True)
    assert "2 chips frozen" in r.content.decode() and ChipFreeze.objects.count() == 2
    r = staff.post(CHANGELIST, {"action": "unfreeze", "_selected_action": [chip.pk]}, follow=True)
    assert "1 chip unfrozen" in r.content.decode() and ChipFreeze.objects.count() == 1


def test_unassign_confirms_how_many_ended_and_how_many_had_already(staff, chip, annotators, assign):
    a, b = assign(chip, annotators[0], annotators[1])
    r = staff.post("/admin/annotation/assignment/", {"action": "unassign", "_selected_action": [a.pk]}, follow=True)
    assert "1 assignment ended" in r.content.decode()
    r = staff.post("/admin/annotation/assignment/", {"action": "unassign", "_selected_action": [a.pk, b.pk]},
                   follow=True)
    assert "1 assignment ended (labels kept); 1 had already ended." in r.content.decode()
