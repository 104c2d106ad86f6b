"""Celery: run one outbox job; sweep (Celery beat, settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from lcnet_site.outbox import services


# acks_late + reject_on_worker_lost: a job whose worker dies is redelivered; its row's lease decides who runs it.
# A transient error that kept the job from even recording its outcome retries the same delivery with backoff.
@shared_task(bind=True, name="outbox.run", acks_late=True, reject_on_worker_lost=True, ignore_result=True,
             autoretry_for=services.TRANSIENT, retry_backoff=2, retry_backoff_max=120, max_retries=8)
def job_run_task(self, job_id: int) -> str:
    return services.job_run(job_id=job_id, owner=self.request.id or "")


@shared_task(name="outbox.sweep", acks_late=True, ignore_result=True, autoretry_for=services.TRANSIENT,
             retry_backoff=2, max_retries=3)
def jobs_sweep_task() -> dict:
    return services.jobs_sweep()
