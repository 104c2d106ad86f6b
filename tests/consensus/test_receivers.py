"""Receivers of annotation's signals enqueue the consensus work (Celery runs eagerly in these tests)."""
from annotation.models import Annotation, ExpertLabel
from annotation.signals import annotation_submitted, expert_label_submitted
from consensus.models import AnnotatorScore, ConsensusLabel
from imagery.models import Task

from .conftest import filled


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
    assert AnnotatorScore.objects.get(annotator=crew[0]).accuracy == 1.0


def test_unassigning_an_annotator_drops_the_consensus_their_submissions_completed(
    chip, crew, submit, django_capture_on_commit_callbacks
):
    from annotation.models import Assignment
    from annotation.services import assignment_end

    done, other = Task.objects.filter(chip=chip).order_by("pk")[:2]
    for user, value in zip(crew, (2, 2, 5)):
        submit(done, user, filled(value))
    submit(other, crew[0], filled(2))
    annotation_submitted.send(sender=Annotation, task_id=done.pk, annotator_id=crew[2].pk, revision=1,
                              submitted_count=3)
    assert ConsensusLabel.objects.filter(task=done).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assignment_end(assignment=Assignment.objects.get(chip=chip, user=crew[2]))
    assert len(callbacks) == 1
    assert not ConsensusLabel.objects.filter(task__chip=chip).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # already ended: nothing more to do
        assignment_end(assignment=Assignment.objects.get(chip=chip, user=crew[2]))
    assert callbacks == []


def test_a_reference_task_removed_by_an_admin_no_longer_scores_its_annotators(
    chip, crew, submit, expert_submit, erin, django_capture_on_commit_callbacks
):
    from annotation.models import ReferenceTask

    reference = Task.objects.filter(chip=chip).first()
    submit(reference, crew[0], filled(2))
    expert_submit(reference, erin, filled(2))
    expert_label_submitted.send(sender=ExpertLabel, task_id=reference.pk, expert_id=erin.pk, revision=1)
    assert AnnotatorScore.objects.get(annotator=crew[0]).accuracy == 1.0
    with django_capture_on_commit_callbacks(execute=True):
        ReferenceTask.objects.filter(task=reference).delete()  # as the admin's delete action does
    score = AnnotatorScore.objects.get(annotator=crew[0])
    assert (score.accuracy, score.n_reference_tasks) == (None, 0)  # the prior applies again
