"""annotation.access.access_task and the imagery endpoints: only the task's annotators, experts and admins."""

import pytest
from django.http import Http404

from annotation.models import Assignment, ReferenceTask
from annotation.access import access_task
from tests.imagery.layer_data import layer_chip, task_of  # noqa: F401

ENDPOINTS = ("scenes/", "layers/rgb.png", "pixels/0/0/series/")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_annotators_task_is_404(client, layer_chip, alice, bob, endpoint):
    Assignment.objects.create(chip=layer_chip, user=alice, slot=1)
    task = task_of(layer_chip, 2, 2)
    client.force_login(alice)
    assert client.get(f"/api/tasks/{task.pk}/{endpoint}").status_code == 200
    client.force_login(bob)
    assert client.get(f"/api/tasks/{task.pk}/{endpoint}").status_code == 404


def test_an_ended_assignment_no_longer_gives_access(layer_chip, alice):
    from django.utils import timezone

    Assignment.objects.create(chip=layer_chip, user=alice, slot=1, ended_at=timezone.now())
    with pytest.raises(Http404):
        access_task(alice, task_of(layer_chip, 0, 1).pk)


def test_experts_see_reference_tasks_only(client, layer_chip, erin):
    reference, other = task_of(layer_chip, 4, 4), task_of(layer_chip, 4, 5)
    ReferenceTask.objects.create(task=reference)
    client.force_login(erin)
    assert client.get(f"/api/tasks/{reference.pk}/layers/ndvi.png").status_code == 200
    assert client.get(f"/api/tasks/{other.pk}/layers/ndvi.png").status_code == 404


def test_anonymous_users_are_refused(client, layer_chip):
    assert client.get(f"/api/tasks/{task_of(layer_chip, 0, 0).pk}/scenes/").status_code in (401, 403)


def test_a_missing_or_absurd_task_id_is_404(admin_user, layer_chip):
    for task_id in (10**9, 2**70):
        with pytest.raises(Http404):
            access_task(admin_user, task_id)
