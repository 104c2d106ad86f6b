"""The whole pipeline on Postgres and a real Celery worker: a real Sentinel-2 chip is ingested, assigned to three
annotators through the admin API, one task becomes a reference task that the expert labels, the three annotators
submit it, the worker scores them and merges their labels, and the export API hands the result back as a GeoTIFF."""
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.test import RequestFactory
from rasterio.io import MemoryFile
from rest_framework.test import APIClient

from consensus.lib.engine import bayesian_consensus
from imagery.lib.domain import CHIP_SIZE, TASK_SIZE
from tests.worker_wait import wait_for_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CHIP = "52UEA_08"
SOURCE = f"landcovernet_s2_chips/{CHIP}_20180720_bands10.tif"


def logged_in(user) -> APIClient:
    client = APIClient()
    # session login, as the page does (with a request: the login lockout counts per address)
    assert client.login(request=RequestFactory().post("/accounts/login/"), username=user.username,
                        password=user.username)
    return client


def submit(user, task, labels):
    body = {"labels": labels.tolist(), "revision": 0}
    response = logged_in(user).post(f"/api/tasks/{task.pk}/annotation/submit/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()




def answers() -> dict[str, np.ndarray]:
    """The expert's reference and three different annotator answers with accuracies 0.875, 0.5 and 0.25."""
    reference = np.full((TASK_SIZE, TASK_SIZE), 5, np.uint8)
    reference[:, TASK_SIZE // 2:] = 6
    alice = reference.copy()
    alice[:4] = 7  # 4 of 32 rows wrong
    bob = np.full_like(reference, 5)  # right on the left half only
    carol = np.full_like(reference, 7)
    carol[:8] = reference[:8]  # right on the top quarter only
    return {"erin": reference, "alice": alice, "bob": bob, "carol": carol}


def test_an_ingested_chip_goes_from_assignment_to_an_exported_consensus_label_on_the_worker(
    shared_data, celery_worker, alice, bob, carol, erin, admin_user
):
    from annotation.services import reference_task_add
    from consensus.models import AnnotatorAccuracy, ConsensusLabel
    from annotation.lib.labels import labels_from_bytes
    from consensus.lib.codec import score_from_bytes
    from imagery.models import Chip, Task

    call_command("ingest_chips", str(shared_data / SOURCE), stdout=StringIO(), stderr=StringIO())
    chip = Chip.objects.get(id=CHIP)
    response = logged_in(admin_user).post(
        "/api/admin/assignments/", {"chips": [CHIP], "users": [alice.pk, bob.pk, carol.pk]}, format="json"
    )
    assert response.status_code == 201, response.content
    task = Task.objects.get(chip=chip, row=2, col=5)
    reference_task_add(task_id=task.pk, expert=erin)

    labels = answers()
    assert submit(erin, task, labels["erin"])["status"] == "submitted"
    annotators = (alice, bob, carol)
    for user in annotators:
        submit(user, task, labels[user.username])

    # By hand: each annotator's accuracy against the expert, then the paper's weighted vote.
    accuracy = [float(np.mean(labels[u.username] == labels["erin"])) for u in annotators]
    assert accuracy == [0.875, 0.5, 0.25]
    order = np.argsort([u.pk for u in annotators])  # the service lists a task's annotators by id
    weights = [accuracy[i] for i in order]
    row = wait_for_worker(
        lambda: ConsensusLabel.objects.filter(task=task, inputs__weights=weights).first(),
        "merge the three labels with the expert-derived accuracies",
    )
    stack = np.stack([labels[annotators[i].username] for i in order])
    want_label, want_score = bayesian_consensus(stack, np.array(weights))
    # and once more straight from the paper's formula (no tie occurs in these answers): P(j) = Σ w·[l = j] / Σ w
    w = np.array(weights)[:, None, None]
    p = np.stack([(w * (stack == j)).sum(axis=0) for j in range(1, 8)]) / w.sum()
    np.testing.assert_array_equal(want_label, p.argmax(axis=0) + 1)
    np.testing.assert_allclose(want_score, p.max(axis=0), rtol=1e-6)
    label, score = labels_from_bytes(row.label), score_from_bytes(row.score)
    np.testing.assert_array_equal(label, want_label)
    np.testing.assert_allclose(score, want_score, rtol=1e-6)
    assert len(np.unique(score)) > 2  # the answers really disagree in several ways
    assert {s.annotator_id: s.accuracy for s in AnnotatorAccuracy.objects.all()} == {
        u.pk: a for u, a in zip(annotators, accuracy)
    }

    response = logged_in(admin_user).get(f"/api/export/chips/{CHIP}/labels.tif?partial=1")
    assert response.status_code == 200, response.content
    with MemoryFile(response.content) as mem, mem.open() as src:
        band1, band2 = src.read()
        assert (src.crs.to_epsg(), list(src.transform)[:6]) == (chip.epsg, chip.transform)
    window = np.s_[task.row * TASK_SIZE:(task.row + 1) * TASK_SIZE, task.col * TASK_SIZE:(task.col + 1) * TASK_SIZE]
    np.testing.assert_array_equal(band1[window], label)
    np.testing.assert_array_equal(band2[window], np.rint(score * 100).astype(np.uint16))
    elsewhere = np.ones((CHIP_SIZE, CHIP_SIZE), bool)
    elsewhere[window] = False
    assert not band1[elsewhere].any() and not band2[elsewhere].any()
