"""Celery: run one outbox job; sweep (Celery beat, settings.CELERY_BEAT_SCHEDULE)."""
import random

from celery import shared_task

from lcnet_site.outbox import services


# acks_late + reject_on_worker_lost: a job whose worker dies is redelivered; its row's lease decides who runs it.
# A transient error that kept the job from even recording its outcome (the database is away) retries the same
# delivery with backoff, carrying the error so the row shows it once the database is back.
@shared_task(bind=True, name="outbox.run", acks_late=True, reject_on_worker_lost=True, ignore_result=True,
             max_retries=8)
def job_run_task(self, job_id: int, interrupted: str = "") -> str:
    try:
        return services.job_run(job_id=job_id, owner=self.request.id or "", interrupted=interrupted)
    except services.TRANSIENT as exc:
        countdown = min(2 ** (self.request.retries + 1), 120) * random.uniform(0.5, 1)
        raise self.retry(exc=exc, countdown=countdown, kwargs={"job_id": job_id, "interrupted": repr(exc)})


@shared_task(name="outbox.sweep", acks_late=True, ignore_result=True, autoretry_for=services.TRANSIENT,
             retry_backoff=2, max_retries=3)
def jobs_sweep_task() -> dict:
    return services.jobs_sweep()
