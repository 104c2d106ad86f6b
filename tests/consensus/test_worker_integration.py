"""End to end on a real Celery worker (Redis broker, Postgres test database): submissions through the labeling API
enqueue consensus work that the worker process carries out."""

import numpy as np
import pytest
from rest_framework.test import APIClient

from consensus.models import AnnotatorAccuracy, ConsensusLabel
from annotation.lib.labels import labels_from_bytes
from consensus.lib.codec import score_from_bytes
from imagery.models import Task
from tests.worker_wait import wait_for_worker

pytestmark = pytest.mark.worker



def submit(user, task, value):
    client = APIClient()
    client.force_authenticate(user)
    body = {"labels": np.full((32, 32), value).tolist(), "revision": 0}
    response = client.post(f"/api/tasks/{task.pk}/annotation/submit/", body, format="json")
    assert response.status_code == 200, response.content




@pytest.fixture
def labeling_setup(celery_worker, make_chip, alice, bob, carol, erin):
    from annotation.lib.labels import pack_mask
    from annotation.models import TaskDataMask
    from annotation.services import assignments_create, reference_task_add

    chip = make_chip()
    assignments_create(chip_ids=[chip.pk], user_ids=[alice.pk, bob.pk, carol.pk])
    mask = pack_mask(np.ones((32, 32), bool))
    TaskDataMask.objects.bulk_create(TaskDataMask(task=t, mask=mask, n_scenes=1) for t in chip.tasks.all())
    task, reference = Task.objects.get(chip=chip, row=1, col=1), Task.objects.get(chip=chip, row=0, col=0)
    reference_task_add(task_id=reference.pk, expert=erin)
    return task, reference


def test_the_third_submission_and_a_new_expert_label_update_consensus_on_the_worker(
    labeling_setup, alice, bob, carol, erin
):
    task, reference = labeling_setup
    submit(alice, task, 5)
    submit(bob, task, 6)
    assert not ConsensusLabel.objects.filter(task=task).exists()
    submit(carol, task, 7)  # third submission: the worker merges the three
    row = wait_for_worker(lambda: ConsensusLabel.objects.filter(task=task).first(), "compute the task's consensus")
    assert np.all(labels_from_bytes(row.label) == 5)  # all on the prior: a three-way tie goes to the smallest code
    np.testing.assert_allclose(score_from_bytes(row.score), 1 / 3, rtol=1e-6)

    for user, value in ((alice, 5), (bob, 6), (carol, 7)):  # blind labels of the reference task
        submit(user, reference, value)
    submit(erin, reference, 7)  # the expert agrees with carol: her accuracy is 1, the others' 0
    carol_score = wait_for_worker(
        lambda: AnnotatorAccuracy.objects.filter(annotator=carol, accuracy__isnull=False).first(), "score carol"
    )
    assert carol_score.accuracy == 1.0 and carol_score.n_reference_tasks == 1
    assert AnnotatorAccuracy.objects.get(annotator=alice).accuracy == 0.0
    changed = wait_for_worker(
        lambda: ConsensusLabel.objects.filter(task=task, computed_at__gt=row.computed_at).first(),
        "recompute the affected consensus",
    )
    assert np.all(labels_from_bytes(changed.label) == 7)
    assert changed.inputs["weights"] == [0.001, 0.001, 1.0]
