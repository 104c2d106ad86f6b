"""Celery tasks: take ids, call a service. Idempotent (a recompute with unchanged inputs writes nothing), so a task
redelivered after a lost worker (acks_late) does no harm."""
from celery import shared_task
from django.db import IntegrityError

from imagery.models import Task

from consensus import guess_feedback, services


@shared_task(name="consensus.task_consensus_recompute", acks_late=True)
def task_consensus_recompute(task_id: int) -> int:
    written = services.task_consensus_recompute(task_id=task_id)
    if written:
        tile_id = Task.objects.filter(pk=task_id).values_list("chip__tile_id", flat=True).first()
        guess_labels_retrain.delay(tile_id)
    return written


@shared_task(name="consensus.tile_consensus_refresh", acks_late=True)
def tile_consensus_refresh(task_id: int) -> int:
    return services.tile_consensus_refresh(task_id=task_id)


@shared_task(name="consensus.chip_consensus_recompute", acks_late=True)
def chip_consensus_recompute(chip_id: str) -> int:
    return services.chip_consensus_recompute(chip_id=chip_id)


@shared_task(name="consensus.guess_labels_retrain", acks_late=True)
def guess_labels_retrain(tile_id: str) -> int | None:
    """A tile's consensus changed: retrain its guess-label model on the final labels once enough chips are final."""
    run = guess_feedback.tile_retrain_if_due(tile_id)
    return run.pk if run else None


# Two workers creating the same annotator's first score row: the loser retries and then finds it.
@shared_task(name="consensus.annotator_accuracies_recompute", acks_late=True, autoretry_for=(IntegrityError,),
             retry_backoff=True, max_retries=3)
def annotator_accuracies_recompute() -> int:
    # the re-weighed tasks go out in bounded batches, one job each: no job grows with an annotator's workload
    return services.annotator_accuracies_refresh(enqueue=lambda ids: tasks_consensus_recompute.delay(ids))


@shared_task(name="consensus.tasks_consensus_recompute", acks_late=True)
def tasks_consensus_recompute(task_ids: list[int]) -> int:
    return services.consensus_recompute(task_ids=task_ids)
