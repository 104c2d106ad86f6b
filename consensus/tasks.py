"""Celery tasks: take ids, call a service. Idempotent (a recompute with unchanged inputs writes nothing), so a task
redelivered after a lost worker (acks_late) does no harm."""
from celery import shared_task
from django.db import IntegrityError

from consensus import services


@shared_task(name="consensus.task_consensus_recompute", acks_late=True)
def task_consensus_recompute(task_id: int) -> int:
    return services.task_consensus_recompute(task_id=task_id)


@shared_task(name="consensus.chip_consensus_recompute", acks_late=True)
def chip_consensus_recompute(chip_id: str) -> int:
    return services.chip_consensus_recompute(chip_id=chip_id)


# Two workers creating the same annotator's first score row: the loser retries and then finds it.
@shared_task(name="consensus.annotator_accuracies_recompute", acks_late=True, autoretry_for=(IntegrityError,),
             retry_backoff=True, max_retries=3)
def annotator_accuracies_recompute() -> int:
    return services.annotator_accuracies_refresh()
