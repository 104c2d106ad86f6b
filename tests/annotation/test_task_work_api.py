"""A task's flag, comment and active time (GET /api/tasks/{id}/work/, PUT …/work/flag/, POST …/work/time/) and the
caller's labels over the chip (GET /api/tasks/{id}/chip-labels.png): the annotation's own access rules, a 400 that
stores nothing on bad input, and admins see the flags."""
import io

import numpy as np
import pytest
from PIL import Image

from annotation.models import ReferenceTask, TaskWork
from annotation.services import chip_freeze
from imagery.lib.domain import CLASS_COLORS


@pytest.fixture
def task(chip, alice, assign, full_mask):
    assign(chip, alice)
    full_mask(chip)
    return chip.tasks.get(row=2, col=3)


def work(task):
    return f"/api/tasks/{task.pk}/work/"


def test_a_flag_with_a_comment_is_stored_read_back_and_listed_with_the_task(api, alice, task):
    client = api(alice)
    assert client.get(work(task)).json() == {"task": task.pk, "flag": None, "comment": "", "active_seconds": 0}
    body = client.put(work(task) + "flag/", {"reason": "all_cloudy", "comment": "  every date under cloud "},
                      format="json").json()
    assert body == {"task": task.pk, "flag": "all_cloudy", "comment": "every date under cloud", "active_seconds": 0}
    assert client.get(work(task)).json()["flag"] == "all_cloudy"
    listed = {t["id"]: t["flag"] for t in client.get(f"/api/me/tasks/?chip={task.chip_id}").json()["results"]}
    assert listed[task.pk] == "all_cloudy" and sum(v is not None for v in listed.values()) == 1
    cleared = client.put(work(task) + "flag/", {"reason": None, "comment": ""}, format="json").json()
    assert cleared["flag"] is None and TaskWork.objects.get().flag == ""


@pytest.mark.parametrize("body, field", [
    ({"reason": "too_hard", "comment": ""}, "reason"),
    ({"reason": 3, "comment": ""}, "reason"),
    ({"reason": "unsure", "comment": "x" * 2001}, "comment"),
    ({"reason": "unsure", "comment": ["a"]}, "comment"),
])
def test_a_bad_flag_is_a_400_naming_the_field_and_stores_nothing(api, alice, task, body, field):
    response = api(alice).put(work(task) + "flag/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not TaskWork.objects.exists()


def test_active_time_adds_up_and_bad_reports_are_refused(api, alice, task):
    client = api(alice)
    assert client.post(work(task) + "time/", {"seconds": 30}, format="json").json()["active_seconds"] == 30
    assert client.post(work(task) + "time/", {"seconds": 12}, format="json").json()["active_seconds"] == 42
    for bad in (0, -5, 601, 2.5, "30", None, True):
        response = client.post(work(task) + "time/", {"seconds": bad}, format="json")
        assert response.status_code == 400 and "seconds" in response.json(), bad
    assert client.post(work(task) + "time/", ["x"], format="json").status_code == 400
    assert TaskWork.objects.get().active_seconds == 42


def test_another_annotators_task_is_a_404_and_nothing_is_stored(api, bob, task):
    client = api(bob)
    assert client.get(work(task)).status_code == 404
    assert client.put(work(task) + "flag/", {"reason": "unsure", "comment": ""}, format="json").status_code == 404
    assert client.post(work(task) + "time/", {"seconds": 5}, format="json").status_code == 404
    assert client.get(f"/api/tasks/{task.pk}/chip-labels.png").status_code == 404
    assert not TaskWork.objects.exists()


def test_a_frozen_chip_refuses_flags_and_time_with_a_409(api, alice, task, chip):
    chip_freeze(chip_id=chip.pk)
    client = api(alice)
    response = client.put(work(task) + "flag/", {"reason": "unsure", "comment": ""}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "frozen"
    assert client.post(work(task) + "time/", {"seconds": 5}, format="json").status_code == 409
    assert not TaskWork.objects.exists()


def test_an_expert_keeps_their_own_record_on_a_reference_task(api, alice, erin, task):
    ReferenceTask.objects.create(task=task, expert=erin)
    api(erin).put(work(task) + "flag/", {"reason": "mixed_pixels", "comment": "field edges"}, format="json")
    api(alice).post(work(task) + "time/", {"seconds": 9}, format="json")
    rows = {(w.user_id, w.kind): (w.flag, w.active_seconds) for w in TaskWork.objects.all()}
    assert rows == {(erin.pk, "expert"): ("mixed_pixels", 0), (alice.pk, "annotation"): ("", 9)}
    assert api(alice).get(work(task)).json()["flag"] is None  # alice never sees the expert's flag


def test_admins_see_flags_and_comments_in_the_admin(api, alice, admin_user, client, task):
    api(alice).put(work(task) + "flag/", {"reason": "imagery_problem", "comment": "stripes on every date"}, format="json")
    client.force_login(admin_user)
    page = client.get("/admin/annotation/taskwork/?flagged=yes").content.decode()
    assert "stripes on every date" in page and "Imagery problem" in page


def test_chip_labels_show_the_callers_saved_labels_only(api, alice, bob, chip, assign, task):
    assign(chip, bob)
    other = chip.tasks.get(row=0, col=0)
    api(alice).put(f"/api/tasks/{task.pk}/annotation/", {"labels": [[6] * 32] * 32, "revision": 0}, format="json")
    api(bob).put(f"/api/tasks/{other.pk}/annotation/", {"labels": [[1] * 32] * 32, "revision": 0}, format="json")
    response = api(alice).get(f"/api/tasks/{task.pk}/chip-labels.png")
    assert response["Content-Type"] == "image/png"
    image = np.array(Image.open(io.BytesIO(response.content)).convert("RGBA"))
    assert image.shape == (256, 256, 4)
    assert (image[64:96, 96:128] == CLASS_COLORS[6]).all()  # alice's task (row 2, col 3)
    assert (image[:32, :32, 3] == 0).all()  # bob's labels are not shown to alice
    assert (image[..., 3] > 0).sum() == 32 * 32


def test_the_new_endpoints_are_in_the_schema(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in ["/api/tasks/{task_id}/work/", "/api/tasks/{task_id}/work/flag/", "/api/tasks/{task_id}/work/time/",
                 "/api/tasks/{task_id}/chip-labels.png"]:
        assert path in paths, path
    assert "400" in paths["/api/tasks/{task_id}/work/flag/"]["put"]["responses"]


def test_a_flag_put_without_a_reason_is_a_400_and_clears_nothing(api, alice, task):
    client = api(alice)
    assert client.put(work(task) + "flag/", {"reason": "unsure"}, format="json").status_code == 200
    response = client.put(f"/api/tasks/{task.pk}/work/flag/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert client.get(f"/api/tasks/{task.pk}/work/").json()["flag"] == "unsure"
