"""Consensus fixtures: a real chip with 64 tasks, three assigned annotators, an expert; helpers that save labels."""
import numpy as np
import pytest
from django.utils import timezone

from imagery.lib.domain import TASK_SIZE


@pytest.fixture
def chip(make_chip):
    return make_chip()


@pytest.fixture
def crew(chip, alice, bob, carol):
    """alice, bob and carol assigned to the chip (slots 1-3)."""
    from annotation.models import Assignment

    for slot, user in enumerate((alice, bob, carol), start=1):
        Assignment.objects.create(chip=chip, user=user, slot=slot)
    return alice, bob, carol


def filled(value) -> np.ndarray:
    return np.full((TASK_SIZE, TASK_SIZE), value, np.uint8)


@pytest.fixture
def submit():
    """submit(task, user, labels) -> the user's submitted Annotation (revision bumped), as the annotation app saves it."""
    from annotation.models import Annotation, AnnotationRevision, Status

    def save(task, user, labels):
        raw = np.ascontiguousarray(labels, np.uint8).tobytes()
        ann, created = Annotation.objects.get_or_create(
            task=task, annotator=user,
            defaults=dict(labels=raw, guess=raw, status=Status.SUBMITTED, revision=1, submitted_at=timezone.now()),
        )
        if not created:
            ann.labels, ann.status, ann.revision, ann.submitted_at = raw, Status.SUBMITTED, ann.revision + 1, timezone.now()
            ann.save()
        AnnotationRevision.objects.create(
            annotation=ann, author=user, revision=ann.revision, labels=raw, status=Status.SUBMITTED
        )
        return ann

    return save


@pytest.fixture
def expert_submit():
    """expert_submit(task, expert, labels) -> a submitted ExpertLabel on a reference task."""
    from annotation.models import ExpertLabel, ExpertLabelRevision, ReferenceTask, Status

    def save(task, expert, labels):
        ReferenceTask.objects.get_or_create(task=task, defaults={"expert": expert})
        raw = np.ascontiguousarray(labels, np.uint8).tobytes()
        label, created = ExpertLabel.objects.get_or_create(
            task=task, expert=expert,
            defaults=dict(labels=raw, guess=raw, status=Status.SUBMITTED, revision=1, submitted_at=timezone.now()),
        )
        if not created:
            label.labels, label.revision, label.submitted_at = raw, label.revision + 1, timezone.now()
            label.save()
        ExpertLabelRevision.objects.create(
            expert_label=label, author=expert, revision=label.revision, labels=raw, status=Status.SUBMITTED
        )
        return label

    return save
