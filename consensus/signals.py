"""Receivers of the annotation app's signals (connected in ConsensusConfig.ready()). They run after commit and only
enqueue Celery work."""
from annotation.models import MAX_ANNOTATORS_PER_CHIP, ReferenceTask

from . import services, tasks
from .models import Method


def on_annotation_submitted(sender, task_id, submitted_count=MAX_ANNOTATORS_PER_CHIP, **kwargs):
    if ReferenceTask.objects.filter(task_id=task_id).exists():
        tasks.annotator_scores_recompute.delay()  # a blind label of a reference task: this annotator's accuracy
    if submitted_count >= MAX_ANNOTATORS_PER_CHIP:
        tasks.task_consensus_recompute.delay(task_id)


def on_expert_label_submitted(sender, task_id, **kwargs):
    tasks.annotator_scores_recompute.delay()
    if services.consensus_method() == Method.DAWID_SKENE:  # expert labels are Dawid–Skene's truth, not only weights
        tasks.task_consensus_recompute.delay(task_id)
