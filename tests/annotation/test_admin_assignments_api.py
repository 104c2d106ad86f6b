"""POST /api/admin/assignments/: chips to three annotators, listed or auto-balanced, all or nothing."""
import pytest

from annotation.models import Assignment

URL = "/api/admin/assignments/"


@pytest.fixture
def annotators(make_user):
    return [make_user(f"ann{i}", "annotator") for i in range(5)]


def post(api, admin_user, body):
    return api(admin_user).post(URL, body, format="json")


def test_listed_annotators_are_assigned_to_every_chip(api, admin_user, chip, other_chip, annotators):
    ids = [u.pk for u in annotators[:3]]
    r = post(api, admin_user, {"chips": [chip.pk, other_chip.pk], "users": ids})
    assert r.status_code == 201 and len(r.json()) == 6
    assert sorted(Assignment.objects.filter(chip=chip).values_list("slot", flat=True)) == [1, 2, 3]


def test_auto_fills_chips_to_three_least_loaded_first_never_twice(api, admin_user, make_chip, annotators, assign):
    chips = [make_chip(f"32NLP_{i:02d}") for i in range(5)]
    assign(chips[0], annotators[0])  # ann0 is busier, and already on chip 0
    r = post(api, admin_user, {"chips": [c.pk for c in chips], "users": "auto"})
    assert r.status_code == 201 and len(r.json()) == 14
    for c in chips:
        users = list(Assignment.objects.filter(chip=c, ended_at__isnull=True).values_list("user_id", flat=True))
        assert len(users) == len(set(users)) == 3
    loads = [Assignment.objects.filter(user=u).count() for u in annotators]
    assert sum(loads) == 15 and max(loads) - min(loads) <= 1


def test_a_fourth_annotator_is_a_400_and_nothing_changes(api, admin_user, chip, other_chip, annotators, assign):
    assign(chip, *annotators[:3])
    r = post(api, admin_user, {"chips": [other_chip.pk, chip.pk], "users": [annotators[3].pk]})
    assert r.status_code == 400 and "exceed 3" in r.json()["detail"]
    assert not Assignment.objects.filter(chip=other_chip).exists()
    assert Assignment.objects.count() == 3


def test_the_same_annotator_twice_on_a_chip_is_a_400(api, admin_user, chip, annotators, assign):
    assign(chip, annotators[0])
    r = post(api, admin_user, {"chips": [chip.pk], "users": [annotators[0].pk]})
    assert r.status_code == 400 and "already assigned" in r.json()["detail"]
    r = post(api, admin_user, {"chips": [chip.pk], "users": [annotators[1].pk, annotators[1].pk]})
    assert r.status_code == 400 and "twice" in r.json()["detail"]
    assert Assignment.objects.count() == 1


@pytest.mark.parametrize(
    "body, words",
    [
        ({"chips": ["NOPE_00"], "users": "auto"}, "unknown chips"),
        ({"chips": [], "users": "auto"}, "at least 1"),
        ({"chips": ["32NLP_00"], "users": "everyone"}, "integer user ids"),
        ({"chips": ["32NLP_00"], "users": [999999]}, "not active annotators"),
        ({"users": "auto"}, "required"),
    ],
)
def test_bad_requests_are_400_naming_the_problem(api, admin_user, chip, annotators, body, words):
    r = post(api, admin_user, body)
    assert r.status_code == 400 and words in str(r.json())
    assert not Assignment.objects.exists()


def test_a_non_annotator_cannot_be_assigned(api, admin_user, chip, erin):
    r = post(api, admin_user, {"chips": [chip.pk], "users": [erin.pk]})
    assert r.status_code == 400 and not Assignment.objects.exists()


def test_auto_with_too_few_annotators_assigns_nothing(api, admin_user, chip, other_chip, alice, bob):
    r = post(api, admin_user, {"chips": [chip.pk, other_chip.pk], "users": "auto"})
    assert r.status_code == 400 and "only 2" in r.json()["detail"]
    assert not Assignment.objects.exists()


def test_an_ended_slot_can_go_to_someone_else(api, admin_user, chip, annotators, assign):
    from annotation.services import assignment_end

    first = assign(chip, *annotators[:3])
    assignment_end(assignment=first[1])
    r = post(api, admin_user, {"chips": [chip.pk], "users": [annotators[4].pk]})
    assert r.status_code == 201 and r.json()[0]["slot"] == first[1].slot
    assert Assignment.objects.filter(chip=chip).count() == 4


def test_auto_prefers_annotators_never_on_the_chip_over_one_just_unassigned(api, admin_user, chip, annotators, assign):
    from annotation.services import assignment_end

    ann0, ann1, ann2, ann3 = annotators[:4]
    for other in annotators[4:]:
        other.groups.clear()  # four annotators in all: ann0..ann3
    first = assign(chip, ann0, ann1, ann2)
    assignment_end(assignment=first[2])  # ann2 taken off the chip; ann2 is now the least loaded with ann3
    r = post(api, admin_user, {"chips": [chip.pk], "users": "auto"})
    assert r.status_code == 201 and [a["user"] for a in r.json()] == [ann3.pk]


def test_auto_brings_an_unassigned_annotator_back_only_when_nobody_else_is_free(api, admin_user, chip, annotators,
                                                                              assign):
    from annotation.services import assignment_end

    for other in annotators[3:]:
        other.groups.clear()  # three annotators in all
    first = assign(chip, *annotators[:3])
    assignment_end(assignment=first[0])
    r = post(api, admin_user, {"chips": [chip.pk], "users": "auto"})
    assert r.status_code == 201 and [a["user"] for a in r.json()] == [annotators[0].pk]
