"""Background jobs the guesslabels app owns (outbox handlers and sweeper, registered in GuesslabelsConfig.ready())."""
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from lcnet_site.outbox.models import Job, JobState
from lcnet_site.outbox.services import job_enqueue

from guesslabels.models import RunStatus, TrainingRun

TRAIN = "guesslabels.train"


def train_enqueue(run_id: int) -> int:
    """Queue the run's training (in the caller's transaction; one pending job per run)."""
    return job_enqueue(kind=TRAIN, key=run_id, payload={"run_id": run_id})


def train(payload: dict, heartbeat) -> str:
    """Train and predict one run; every chip step pushes the job's lease on (a lost worker's run is redone from the
    start by the next worker, with the same seed)."""
    from guesslabels import services  # the services enqueue this job: imported here, no import circle

    def progress(items, label):
        for item in items:
            heartbeat()
            yield item

    return services.training_run_execute(run_id=payload["run_id"], progress=progress).status


def stuck_runs_requeue() -> int:
    """Sweeper: a queued or running run whose job is gone (lost before the outbox, or given up) and that has shown no
    sign of life for a lease is queued again, so its tile is never blocked by a run nobody executes."""
    quiet = timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_S)
    live = Job.objects.filter(kind=TRAIN, state__in=[JobState.PENDING, JobState.RUNNING]).values_list("key", flat=True)
    stuck = (TrainingRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
             .annotate(seen=Coalesce("heartbeat_at", "started_at", "created_at")).filter(seen__lt=quiet)
             .exclude(Q(pk__in=[int(k) for k in live if k.isdigit()])))
    ids = list(stuck.values_list("pk", flat=True))
    for run_id in ids:
        train_enqueue(run_id)
    return len(ids)
