"""Experts label reference tasks through the same endpoints; their labels and history go to ExpertLabel."""
import numpy as np
import pytest

from annotation.models import Annotation, ExpertLabel, ExpertLabelRevision
from annotation.services import reference_task_add


def grid(value=1):
    return [[value] * 32 for _ in range(32)]


@pytest.fixture
def ref(chip, erin, full_mask):
    full_mask(chip)
    task = chip.tasks.get(row=2, col=2)
    reference_task_add(task_id=task.pk, expert=erin)
    return task


def test_an_expert_saves_and_submits_with_revisions_and_history(api, erin, ref):
    client = api(erin)
    url = f"/api/tasks/{ref.pk}/annotation/"
    assert client.put(url, {"labels": grid(5), "revision": 0}, format="json").json()["revision"] == 1
    r = client.post(url + "submit/", {"labels": grid(6), "revision": 1}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    label = ExpertLabel.objects.get(task=ref, expert=erin)
    assert label.revision == 2 and bytes(label.labels) == bytes([6]) * 1024
    assert list(ExpertLabelRevision.objects.filter(expert_label=label).values_list("revision", "status")) == [
        (1, "draft"), (2, "submitted")]
    assert not Annotation.objects.exists()
    stale = client.post(url + "submit/", {"labels": grid(7), "revision": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["revision"] == 2


def test_an_expert_who_also_annotates_the_chip_labels_its_reference_task_as_the_expert(api, make_user, chip, ref,
                                                                                     assign):
    both = make_user("dana", "annotator", "expert")
    assign(chip, both)
    client = api(both)
    client.post(f"/api/tasks/{ref.pk}/annotation/submit/", {"labels": grid(3), "revision": 0}, format="json")
    other = chip.tasks.get(row=0, col=0)
    client.post(f"/api/tasks/{other.pk}/annotation/submit/", {"labels": grid(3), "revision": 0}, format="json")
    assert ExpertLabel.objects.filter(task=ref, expert=both).exists()
    assert list(Annotation.objects.filter(annotator=both).values_list("task_id", flat=True)) == [other.pk]


def test_the_expert_label_is_blind_to_the_annotators_labels(api, alice, erin, chip, ref, assign):
    assign(chip, alice)
    api(alice).post(f"/api/tasks/{ref.pk}/annotation/submit/", {"labels": grid(4), "revision": 0}, format="json")
    body = api(erin).get(f"/api/tasks/{ref.pk}/annotation/").json()
    assert body["revision"] == 0 and not np.array(body["labels"]).any()
