"""Celery tasks: take ids, call a service. Idempotent (a recompute with unchanged inputs writes nothing), so a task
redelivered after a lost worker (acks_late) does no harm."""
from celery import shared_task
from django.db import IntegrityError

from consensus import services


@shared_task(name="consensus.task_consensus_recompute", acks_late=True)
def task_consensus_recompute(task_id: int) -> int:
    return services.task_consensus_recompute(task_id=task_id)


@shared_task(name="consensus.tile_consensus_refresh", acks_late=True)
def tile_consensus_refresh(task_id: int) -> int:
    return services.tile_consensus_refresh(task_id=task_id)


@shared_task(name="consensus.chip_consensus_recompute", acks_late=True)
def chip_consensus_recompute(chip_id: str) -> int:
    return services.chip_consensus_recompute(chip_id=chip_id)


# Two workers creating the same annotator's first score row: the loser retries and then finds it.
@shared_task(name="consensus.annotator_accuracies_recompute", acks_late=True, autoretry_for=(IntegrityError,),
             retry_backoff=True, max_retries=3)
def annotator_accuracies_recompute() -> int:
    # the re-weighed tasks go out in bounded batches, one job each: no job grows with an annotator's workload
    return services.annotator_accuracies_refresh(enqueue=lambda ids: tasks_consensus_recompute.delay(ids))


@shared_task(name="consensus.tasks_consensus_recompute", acks_late=True)
def tasks_consensus_recompute(task_ids: list[int]) -> int:
    return services.consensus_recompute(task_ids=task_ids)
