"""The pull queue on Postgres: concurrent requests never give a chip a fourth annotator nor one person twice."""
import pytest

from annotation.models import Annotation, Assignment
from annotation.services import assignment_pull, assignment_end
from lcnet_site.errors import AppError
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def pull_at_once(users):
    """Every user pulls at the same moment, each from its own thread and connection."""

    def pull(i, go):
        go()
        try:
            return assignment_pull(user=users[i]).chip_id
        except AppError as exc:
            return exc.code

    return at_once(len(users), pull, timeout=20)


@pytest.fixture
def annotators(make_user):
    return [make_user(f"ann{i}", "annotator") for i in range(8)]


def test_concurrent_pulls_fill_chips_to_three_and_never_further(make_chip, annotators):
    chips = [make_chip(f"32NLP_0{i}") for i in range(2)]  # six slots for eight annotators
    results = pull_at_once(annotators)
    assert sorted(r for r in results if r == "queue_empty") == ["queue_empty"] * 2
    for chip in chips:
        users = list(Assignment.objects.filter(chip=chip, ended_at__isnull=True).values_list("user_id", flat=True))
        assert len(users) == 3 and len(set(users)) == 3


def test_the_same_person_pulling_twice_at_once_gets_one_chip(make_chip, annotators):
    make_chip("32NLP_00"), make_chip("32NLP_01")
    results = pull_at_once([annotators[0]] * 4)
    assert Assignment.objects.filter(user=annotators[0]).count() == 1
    assert sorted(results).count("work_left") + sorted(results).count("queue_empty") == 3


def test_breadth_first_and_never_a_chip_they_labeled(make_chip, annotators):
    first, second = make_chip("32NLP_00"), make_chip("32NLP_01")
    Assignment.objects.create(chip=second, user=annotators[1], slot=1)  # started: it comes first
    assert assignment_pull(user=annotators[0]).chip_id == second.pk
    left = Assignment.objects.get(chip=second, user=annotators[0])
    Annotation.objects.create(task=second.tasks.first(), annotator=annotators[0], labels=bytes(1024),
                              guess=bytes(1024), status="draft", revision=1)
    assignment_end(assignment=left)
    assert assignment_pull(user=annotators[0]).chip_id == first.pk  # never back to the chip they labeled


def test_an_annotator_with_work_left_or_a_non_annotator_gets_a_clear_answer(make_chip, annotators, make_user, api):
    make_chip("32NLP_00")
    client = api(annotators[0])
    first = client.post("/api/me/chips/next/")
    assert first.status_code == 201 and first.json()["chip"] == "32NLP_00"
    again = client.post("/api/me/chips/next/")
    assert again.status_code == 409 and again.json()["code"] == "work_left"
    assert api(make_user("eve", "expert")).post("/api/me/chips/next/").status_code == 403
