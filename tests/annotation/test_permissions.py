"""Who may call what: annotator A (assigned), annotator B (another chip), expert, admin, anonymous × every endpoint."""
import numpy as np
import pytest

from annotation.models import Annotation, ExpertLabel
from annotation.services import reference_task_add


def grid(value=1):
    return [[value] * 32 for _ in range(32)]


@pytest.fixture
def world(chip, other_chip, alice, bob, erin, admin_user, assign, full_mask):
    assign(chip, alice)
    assign(other_chip, bob)
    full_mask(chip)
    task = chip.tasks.get(row=0, col=0)
    ref = chip.tasks.get(row=7, col=7)
    reference_task_add(task_id=ref.pk, expert=erin)
    return {"A": alice, "B": bob, "expert": erin, "admin": admin_user, "anon": None, "task": task, "ref": ref,
            "chip": chip}


def call(client, method, path):
    body = {"labels": grid(2), "revision": 0}
    if method == "put":
        return client.put(path, body, format="json")
    if method == "post":
        return client.post(path, body, format="json")
    return client.get(path)


# (method, path template, {caller: expected status})
MATRIX = [
    ("get", "/api/me/tasks/", {"A": 200, "B": 200, "expert": 200, "admin": 200, "anon": 401}),
    ("get", "/api/me/tasks/next/", {"A": 200, "B": 200, "expert": 200, "admin": 204, "anon": 401}),
    ("get", "/api/tasks/{task}/annotation/", {"A": 200, "B": 404, "expert": 404, "admin": 404, "anon": 401}),
    ("put", "/api/tasks/{task}/annotation/", {"A": 200, "B": 404, "expert": 404, "admin": 404, "anon": 401}),
    ("post", "/api/tasks/{task}/annotation/submit/", {"A": 200, "B": 404, "expert": 404, "admin": 404, "anon": 401}),
    ("get", "/api/tasks/{ref}/annotation/", {"A": 200, "B": 404, "expert": 200, "admin": 404, "anon": 401}),
    ("put", "/api/tasks/{ref}/annotation/", {"A": 200, "B": 404, "expert": 200, "admin": 404, "anon": 401}),
    ("post", "/api/tasks/{ref}/annotation/submit/", {"A": 200, "B": 404, "expert": 200, "admin": 404, "anon": 401}),
    ("get", "/api/tasks/999999/annotation/", {"A": 404, "B": 404, "expert": 404, "admin": 404, "anon": 401}),
    ("put", "/api/tasks/99999999999999999999999/annotation/", {"A": 404, "B": 404, "expert": 404, "admin": 404,
                                                                "anon": 401}),
    ("post", "/api/admin/assignments/", {"A": 403, "B": 403, "expert": 403, "admin": 400, "anon": 401}),
]


@pytest.mark.parametrize("caller", ["A", "B", "expert", "admin", "anon"])
@pytest.mark.parametrize("method, template, expected", MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
def test_permission_matrix(world, api, caller, method, template, expected):
    path = template.format(task=world["task"].pk, ref=world["ref"].pk)
    response = call(api(world[caller]), method, path)
    assert response.status_code == expected[caller], response.content
    if expected[caller] in (401, 403, 404):
        assert not Annotation.objects.exists() and not ExpertLabel.objects.exists()
    if expected[caller] == 401:  # a token would help: say which scheme
        assert response["WWW-Authenticate"] == "Token"


def test_a_caller_of_another_chip_cannot_tell_a_hidden_task_from_a_missing_one(world, api):
    hidden = api(world["B"]).get(f"/api/tasks/{world['task'].pk}/annotation/")
    missing = api(world["B"]).get("/api/tasks/999999/annotation/")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()


def test_annotators_on_one_chip_never_see_each_others_labels(world, api, carol, assign):
    assign(world["chip"], carol)
    task = world["task"]
    assert api(carol).post(f"/api/tasks/{task.pk}/annotation/submit/", {"labels": grid(6), "revision": 0},
                           format="json").status_code == 200
    mine = api(world["A"]).get(f"/api/tasks/{task.pk}/annotation/").json()
    assert mine["revision"] == 0 and not np.array(mine["labels"]).any()


def test_an_annotator_of_a_reference_task_never_sees_the_expert_label_nor_that_it_is_one(world, api):
    ref = world["ref"]
    api(world["expert"]).post(f"/api/tasks/{ref.pk}/annotation/submit/", {"labels": grid(4), "revision": 0},
                              format="json")
    assert ExpertLabel.objects.filter(task=ref, expert=world["expert"]).exists()
    mine = api(world["A"]).get(f"/api/tasks/{ref.pk}/annotation/").json()
    assert mine["revision"] == 0 and not np.array(mine["labels"]).any()
    listed = api(world["A"]).get("/api/me/tasks/").json()["results"]
    assert all(set(item) == {"id", "chip", "row", "col", "status", "revision", "frozen", "flag"} for item in listed)


def test_an_ended_assignment_hides_the_chip_again(world, api):
    from annotation.models import Assignment
    from annotation.services import assignment_end

    assignment_end(assignment=Assignment.objects.get(user=world["A"]))
    assert api(world["A"]).get(f"/api/tasks/{world['task'].pk}/annotation/").status_code == 404
    assert api(world["A"]).get("/api/me/tasks/").json()["count"] == 0


def test_tasks_visible_to_follows_the_roles(world, make_user):
    from annotation.selectors import tasks_visible_to
    from imagery.models import Task

    assert set(tasks_visible_to(world["A"]).values_list("chip_id", flat=True)) == {world["chip"].pk}
    assert tasks_visible_to(world["A"]).count() == 64
    assert list(tasks_visible_to(world["expert"])) == [world["ref"]]
    assert tasks_visible_to(world["admin"]).count() == Task.objects.count() == 128
    assert tasks_visible_to(make_user("nobody")).count() == 0
