"""GET /api/me/tasks/ and /api/me/tasks/next/: the caller's tasks, filterable, and where to go next."""
import pytest

from annotation.services import reference_task_add


def grid(value=1):
    return [[value] * 32 for _ in range(32)]


def submit(client, task, revision=0):
    r = client.post(f"/api/tasks/{task.pk}/annotation/submit/", {"labels": grid(3), "revision": revision}, format="json")
    assert r.status_code == 200, r.content


@pytest.fixture
def setup(chip, other_chip, alice, assign, full_mask):
    assign(chip, alice)
    assign(other_chip, alice)
    full_mask(chip)
    full_mask(other_chip)


def test_my_tasks_lists_both_chips_with_status_and_filters(api, alice, chip, setup):
    client = api(alice)
    submit(client, chip.tasks.get(row=0, col=1))
    body = client.get("/api/me/tasks/").json()
    assert body["count"] == 128
    assert client.get(f"/api/me/tasks/?chip={chip.pk}").json()["count"] == 64
    done = client.get("/api/me/tasks/?status=submitted").json()
    assert done["count"] == 1 and done["results"][0]["revision"] == 1 and done["results"][0]["row"] == 0
    assert client.get("/api/me/tasks/?status=pending").json()["count"] == 127
    assert client.get("/api/me/tasks/?status=bogus").status_code == 400


def test_next_stays_inside_the_chip_being_worked_on(api, alice, other_chip, setup):
    client = api(alice)
    submit(client, other_chip.tasks.get(row=4, col=4))  # work started on the second chip
    for _ in range(3):
        nxt = client.get("/api/me/tasks/next/").json()
        assert nxt["chip"] == other_chip.pk
        submit(client, other_chip.tasks.get(pk=nxt["id"]))
    assert nxt["row"] == 0 and nxt["col"] == 2


def test_next_is_204_when_everything_is_submitted(api, alice, chip, assign, full_mask):
    assign(chip, alice)
    full_mask(chip)
    client = api(alice)
    for task in chip.tasks.all():
        submit(client, task)
    assert client.get("/api/me/tasks/next/").status_code == 204


def test_tasks_without_data_are_never_handed_out(api, alice, chip, assign):
    chip.tasks.exclude(row=0).update(has_data=False)
    assign(chip, alice)
    assert api(alice).get("/api/me/tasks/").json()["count"] == 8


def test_an_expert_lists_the_reference_tasks_given_to_them(api, erin, make_user, chip):
    other = make_user("frank", "expert")
    reference_task_add(task_id=chip.tasks.get(row=1, col=1).pk, expert=erin)
    reference_task_add(task_id=chip.tasks.get(row=1, col=2).pk, expert=other)
    reference_task_add(task_id=chip.tasks.get(row=1, col=3).pk)
    listed = api(erin).get("/api/me/tasks/").json()["results"]
    assert [(t["row"], t["col"]) for t in listed] == [(1, 1), (1, 3)]
    assert api(erin).get("/api/me/tasks/next/").json()["col"] == 1


def test_next_skips_frozen_chips_and_my_tasks_marks_them_frozen(api, alice, chip, other_chip, setup):
    from annotation.services import chip_freeze

    client = api(alice)
    submit(client, chip.tasks.get(row=2, col=2))  # working on the first chip...
    chip_freeze(chip_id=chip.pk)  # ...which the admin then freezes
    nxt = client.get("/api/me/tasks/next/").json()
    assert nxt["chip"] == other_chip.pk and nxt["frozen"] is False
    listed = client.get(f"/api/me/tasks/?chip={chip.pk}").json()["results"]
    assert listed and all(t["frozen"] for t in listed)


def test_next_is_204_when_only_frozen_chips_have_work(api, alice, chip, other_chip, setup):
    from annotation.services import chip_freeze

    chip_freeze(chip_id=chip.pk)
    chip_freeze(chip_id=other_chip.pk)
    assert api(alice).get("/api/me/tasks/next/").status_code == 204


def test_page_size_sets_the_page_length_within_bounds(api, alice, setup):
    client = api(alice)
    body = client.get("/api/me/tasks/?page_size=1000").json()
    assert body["count"] == 128 and len(body["results"]) == 128 and body["next"] is None
    body = client.get("/api/me/tasks/?page_size=5&page=2").json()
    assert [(t["row"], t["col"]) for t in body["results"]] == [(0, 5), (0, 6), (0, 7), (1, 0), (1, 1)]
    assert "page_size=5" in body["next"]
    for bad in ("0", "1001", "-3", "abc", "2.5"):
        r = client.get(f"/api/me/tasks/?page_size={bad}")
        assert r.status_code == 400 and "page_size" in r.json(), bad
