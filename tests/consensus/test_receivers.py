"""Receivers of annotation's signals enqueue the consensus work (Celery runs eagerly in these tests)."""
import numpy as np
import pytest

from annotation.models import Annotation, ExpertLabel
from annotation.signals import annotation_submitted, expert_label_submitted
from consensus.models import AnnotatorAccuracy, ConsensusLabel
from imagery.models import Task

from tests.consensus.conftest import filled


def test_the_third_submission_announced_computes_the_task_consensus(chip, crew, submit):
    task = Task.objects.filter(chip=chip).first()
    for count, user in enumerate(crew, start=1):
        submit(task, user, filled(2))
        annotation_submitted.send(sender=Annotation, task_id=task.pk, annotator_id=user.pk, revision=1,
                                  submitted_count=count)
        assert ConsensusLabel.objects.filter(task=task).exists() == (count == 3)


def test_an_announced_expert_label_scores_the_annotators_of_that_reference(chip, crew, submit, expert_submit, erin):
    reference = Task.objects.filter(chip=chip).first()
    submit(reference, crew[0], filled(2))
    expert_submit(reference, erin, filled(2))
    expert_label_submitted.send(sender=ExpertLabel, task_id=reference.pk, expert_id=erin.pk, revision=1)
    assert AnnotatorAccuracy.objects.get(annotator=crew[0]).accuracy == 1.0


def test_unassigning_an_annotator_drops_the_consensus_their_submissions_completed(
    chip, crew, submit, django_capture_on_commit_callbacks
):
    from annotation.models import Assignment
    from annotation.services import assignment_end
    from lcnet_site.outbox.models import Job

    def jobs():
        return list(Job.objects.filter(kind="consensus.chip_recompute").values_list("key", "state"))

    done, other = Task.objects.filter(chip=chip).order_by("pk")[:2]
    for user, value in zip(crew, (2, 2, 5)):
        submit(done, user, filled(value))
    submit(other, crew[0], filled(2))
    annotation_submitted.send(sender=Annotation, task_id=done.pk, annotator_id=crew[2].pk, revision=1,
                              submitted_count=3)
    assert ConsensusLabel.objects.filter(task=done).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assignment_end(assignment=Assignment.objects.get(chip=chip, user=crew[2]))
    assert jobs() == [(chip.pk, "done")]  # one job, written with the assignment's change, run (eagerly)
    assert not ConsensusLabel.objects.filter(task__chip=chip).exists()
    with django_capture_on_commit_callbacks(execute=True):  # already ended: nothing more to do
        assignment_end(assignment=Assignment.objects.get(chip=chip, user=crew[2]))
    assert jobs() == [(chip.pk, "done")]


def test_a_reference_task_removed_by_an_admin_no_longer_scores_its_annotators(
    chip, crew, submit, expert_submit, erin, django_capture_on_commit_callbacks
):
    from annotation.models import ReferenceTask

    reference = Task.objects.filter(chip=chip).first()
    submit(reference, crew[0], filled(2))
    expert_submit(reference, erin, filled(2))
    expert_label_submitted.send(sender=ExpertLabel, task_id=reference.pk, expert_id=erin.pk, revision=1)
    assert AnnotatorAccuracy.objects.get(annotator=crew[0]).accuracy == 1.0
    with django_capture_on_commit_callbacks(execute=True):
        ReferenceTask.objects.filter(task=reference).delete()  # as the admin's delete action does
    score = AnnotatorAccuracy.objects.get(annotator=crew[0])
    assert (score.accuracy, score.n_reference_tasks) == (None, 0)  # the prior applies again


def test_a_submitted_reference_task_rescores_annotators_without_asking_the_database(chip, crew):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consensus import signals
    from lcnet_site.outbox.models import Job

    reference = Task.objects.filter(chip=chip).first()

    def reference_lookups(**kwargs):
        """Queries of the receiver itself: those before it enqueues (the job then runs here, eagerly)."""
        with CaptureQueriesContext(connection) as queries:
            signals.on_annotation_submitted(Annotation, task_id=reference.pk, submitted_count=1, **kwargs)
        sql = [q["sql"] for q in queries.captured_queries]
        own = sql[: next((i for i, q in enumerate(sql) if '"outbox_job"' in q), len(sql))]
        return sum('"annotation_referencetask"' in q for q in own)

    assert reference_lookups(is_reference=True) == 0  # the signal says it is a reference task
    assert reference_lookups() == 1  # a sender without is_reference: looked up (and not one)
    assert list(Job.objects.values_list("kind", flat=True)) == ["consensus.accuracies"]  # what was enqueued: once


@pytest.mark.django_db(transaction=True)
def test_a_draft_saved_after_all_three_submitted_removes_the_consensus(chip, crew):
    """Through the real API and services: three submits make the consensus; a draft over one takes it away."""
    from rest_framework.test import APIClient

    from annotation.lib.labels import pack_mask
    from annotation.models import TaskDataMask

    task = Task.objects.filter(chip=chip).first()
    TaskDataMask.objects.create(task=task, mask=pack_mask(np.ones((32, 32), bool)), n_scenes=1)
    url = f"/api/tasks/{task.pk}/annotation/"
    labels = filled(3).tolist()

    def api(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    for user in crew:
        assert api(user).post(url + "submit/", {"labels": labels, "revision": 0}, format="json").status_code == 200
    assert ConsensusLabel.objects.filter(task=task).exists()
    r = api(crew[1]).put(url, {"labels": labels, "revision": 1}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert not ConsensusLabel.objects.filter(task=task).exists()
    assert api(crew[1]).post(url + "submit/", {"labels": labels, "revision": 2}, format="json").status_code == 200
    assert ConsensusLabel.objects.filter(task=task).exists()  # submitted again: back


def test_a_withdrawn_expert_label_stops_scoring_the_annotators(chip, crew, submit, expert_submit, erin):
    from annotation.models import Status
    from annotation.signals import expert_label_withdrawn

    reference = Task.objects.filter(chip=chip).first()
    submit(reference, crew[0], filled(2))
    expert_submit(reference, erin, filled(2))
    expert_label_submitted.send(sender=ExpertLabel, task_id=reference.pk, expert_id=erin.pk, revision=1)
    assert AnnotatorAccuracy.objects.get(annotator=crew[0]).n_reference_tasks == 1
    ExpertLabel.objects.filter(task=reference).update(status=Status.DRAFT, revision=2)  # as a draft save leaves it
    expert_label_withdrawn.send(sender=ExpertLabel, task_id=reference.pk, expert_id=erin.pk, revision=2)
    score = AnnotatorAccuracy.objects.get(annotator=crew[0])
    assert (score.accuracy, score.n_reference_tasks) == (None, 0)  # back to the prior
