"""Celery: one training run per tile (takes the run id; idempotent, see services.training_run_execute)."""
from celery import shared_task


@shared_task(name="guesslabels.train_tile", acks_late=True)
def train_guess_labels_task(run_id: int) -> str:
    from guesslabels import services  # services enqueues this task: imported here, no import circle

    return services.training_run_execute(run_id=run_id).status
