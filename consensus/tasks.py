"""Celery tasks: take ids, call a service. Idempotent (a recompute with unchanged inputs writes nothing), so a task
redelivered after a lost worker (acks_late) does no harm."""
from celery import shared_task

from . import selectors, services


@shared_task(name="consensus.task_consensus_recompute", acks_late=True)
def task_consensus_recompute(task_id: int) -> int:
    return services.task_consensus_recompute(task_id=task_id)


@shared_task(name="consensus.annotator_scores_recompute", acks_late=True)
def annotator_scores_recompute() -> int:
    """New accuracies change the weights of every task their annotators labeled: recompute those tasks too."""
    changed = services.annotator_scores_recompute()
    if not changed:
        return 0
    return services.consensus_recompute(task_ids=selectors.tasks_of_annotators(changed))
