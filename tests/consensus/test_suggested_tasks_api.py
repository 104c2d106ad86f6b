"""GET /api/expert/suggested-tasks/: experts and admins only; least agreed tasks first; references left out."""
import pytest
from rest_framework.test import APIClient

from consensus import services
from imagery.models import Task

from tests.consensus.conftest import filled

URL = "/api/expert/suggested-tasks/"


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def three_tasks(chip, crew, submit, expert_submit, erin):
    unanimous, split, three_way, reference = Task.objects.filter(chip=chip)[:4]
    for task, values in ((unanimous, (2, 2, 2)), (split, (2, 2, 3)), (three_way, (1, 2, 3)), (reference, (1, 2, 3))):
        for user, value in zip(crew, values):
            submit(task, user, filled(value))
    services.consensus_recompute()
    expert_submit(reference, erin, filled(1))  # now a reference task: an expert has labeled it
    return unanimous, split, three_way


def test_experts_get_tasks_ordered_by_lowest_mean_score(three_tasks, erin):
    unanimous, split, three_way = three_tasks
    response = client_for(erin).get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["task"] for r in rows] == [three_way.pk, split.pk, unanimous.pk]
    assert rows[0]["mean_score"] == pytest.approx(1 / 3) and rows[0]["disagreement"] == 1.0
    assert rows[2]["chip"] == unanimous.chip_id and rows[2]["mean_score"] == 1.0


def test_admins_may_see_suggestions(three_tasks, admin_user):
    assert client_for(admin_user).get(URL).status_code == 200


@pytest.mark.parametrize("who", ["alice", None])
def test_annotators_and_anonymous_callers_are_refused(three_tasks, who, alice):
    user = alice if who else None
    response = client_for(user).get(URL)
    assert response.status_code in ((403,) if user else (401, 403))
    assert "results" not in response.json()


def test_suggestions_cost_a_fixed_number_of_queries_however_many_tasks(chip, crew, submit, erin,
                                                                       django_assert_max_num_queries):
    for task in Task.objects.filter(chip=chip)[:20]:
        for user, value in zip(crew, (1, 2, 3)):
            submit(task, user, filled(value))
    services.consensus_recompute()
    with django_assert_max_num_queries(6):  # role check, page count, one page (chip and cell joined in)
        rows = client_for(erin).get(URL).json()["results"]
    assert len(rows) == 20



def test_an_expert_who_also_annotates_never_sees_the_consensus_of_what_they_still_label(
    three_tasks, chip, make_chip, make_user, crew, submit
):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from annotation.models import Assignment, ExtraAnnotator

    alice, bob, carol = crew
    other, dave = make_chip("32NLP_01"), make_user("dave", "annotator")
    for slot, user in enumerate((bob, carol, dave), start=1):
        Assignment.objects.create(chip=other, user=user, slot=slot)
    theirs, extra = Task.objects.filter(chip=other)[:2]
    for task in (theirs, extra):
        for user, value in zip((bob, carol, dave), (1, 2, 2)):
            submit(task, user, filled(value))
    services.consensus_recompute()
    alice.groups.add(Group.objects.get(name="expert"))  # alice labels the first chip, and one task of the other
    ExtraAnnotator.objects.create(task=extra, user=alice)
    shown = {r["task"] for r in client_for(alice).get(URL).json()["results"]}
    assert shown == {theirs.pk}  # nothing of her chip, nor her extra task
    Assignment.objects.filter(user=alice).update(ended_at=timezone.now())  # no longer hers to label
    ExtraAnnotator.objects.filter(user=alice).update(ended_at=timezone.now())
    shown = {r["task"] for r in client_for(alice).get(URL).json()["results"]}
    assert shown == {theirs.pk, extra.pk} | {t.pk for t in three_tasks}
    assert {r["task"] for r in client_for(dave_as_expert(dave)).get(URL).json()["results"]} == \
        {t.pk for t in three_tasks}


def dave_as_expert(dave):
    from django.contrib.auth.models import Group

    dave.groups.add(Group.objects.get(name="expert"))
    return dave
