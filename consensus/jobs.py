"""Background jobs the consensus app owns: outbox handlers (registered in ConsensusConfig.ready()) and the helpers
that enqueue them. Handlers take ids and call a service; every one is idempotent (a recompute with unchanged inputs
writes nothing), so a job redone after a lost worker does no harm. Per-task work is serialized by an advisory lock:
racing last submits give one computation, the second job finds it done."""
from django.db import IntegrityError

from imagery.models import Task
from lcnet_site.outbox.locks import advisory_lock
from lcnet_site.outbox.models import Job, JobState
from lcnet_site.outbox.services import job_enqueue

from consensus import guess_feedback, services
from consensus.models import Method

TASK_REFRESH = "consensus.task_refresh"  # a submit completed the task: compute unless a twin already did
TASK_RECOMPUTE = "consensus.task_recompute"  # a withdrawal or expert label changed it: compute again
CHIP_RECOMPUTE = "consensus.chip_recompute"  # an annotator left the chip
TASKS_RECOMPUTE = "consensus.tasks_recompute"  # a batch of tasks re-weighed by new accuracies
ACCURACIES = "consensus.accuracies"  # annotator accuracies (reference tasks) and the tasks they re-weigh
GUESS_RETRAIN = "consensus.guess_retrain"  # a tile's consensus changed: retrain its guess model when due


def _tile_of(task_id: int) -> str | None:
    return Task.objects.filter(pk=task_id).values_list("chip__tile_id", flat=True).first()


def lock_name(*, task_id: int | None = None, tile_id: str | None = None) -> str:
    """The advisory lock a consensus job holds: its tile's under Dawid–Skene, its task's under Bayes."""
    return f"consensus:tile:{tile_id}" if task_id is None else f"consensus:task:{task_id}"


def _serialized(task_id: int, tile_id: str | None):
    """Dawid–Skene refits a whole tile: one at a time per tile; Bayes: per task."""
    if services.consensus_method() == Method.DAWID_SKENE:
        return advisory_lock(lock_name(tile_id=tile_id))
    return advisory_lock(lock_name(task_id=task_id))


def _then_retrain(written: int, tile_id: str | None) -> int:
    # after the lock's transaction: a job holds no table lock while it locks an outbox row
    if written and tile_id:
        job_enqueue(kind=GUESS_RETRAIN, key=tile_id, payload={"tile_id": tile_id})
    return written


def task_refresh(payload: dict, heartbeat) -> int:
    task_id = payload["task_id"]
    tile_id = _tile_of(task_id)
    with _serialized(task_id, tile_id):
        if services.consensus_method() == Method.DAWID_SKENE:
            written = services.tile_consensus_refresh(task_id=task_id)
        else:
            written = services.task_consensus_recompute(task_id=task_id, only_changed=True)
    return _then_retrain(written, tile_id)


def task_recompute(payload: dict, heartbeat) -> int:
    task_id = payload["task_id"]
    tile_id = _tile_of(task_id)
    with _serialized(task_id, tile_id):
        written = services.task_consensus_recompute(task_id=task_id)
    return _then_retrain(written, tile_id)


def chip_recompute(payload: dict, heartbeat) -> int:
    return services.chip_consensus_recompute(chip_id=payload["chip_id"])


def tasks_recompute(payload: dict, heartbeat) -> int:
    return services.consensus_recompute(task_ids=payload["task_ids"])


def accuracies(payload: dict, heartbeat) -> int:
    # the re-weighed tasks go out in bounded batches, one job each: no job grows with an annotator's workload
    return services.annotator_accuracies_refresh(
        enqueue=lambda ids: job_enqueue(kind=TASKS_RECOMPUTE, payload={"task_ids": list(ids)}))


def guess_retrain(payload: dict, heartbeat) -> int | None:
    """Retrain the tile's guess-label model on the final labels once enough chips are final (its own job)."""
    run = guess_feedback.tile_retrain_if_due(payload["tile_id"])
    return run.pk if run else None


def stale_tasks_enqueue() -> int:
    """Sweeper: tasks with all their submissions and no consensus from them (their job was lost) get one; a task
    whose job is still pending or running (the sweep hands or redoes that one) is left to it."""
    live = set(Job.objects.filter(kind__in=[TASK_REFRESH, TASK_RECOMPUTE], state__in=[JobState.PENDING, JobState.RUNNING])
               .values_list("key", flat=True))
    ids = [t for t in services.stale_task_ids() if str(t) not in live]
    for task_id in ids:
        task_refresh_enqueue(task_id)
    return len(ids)


# --- enqueueing (signals, admin) -------------------------------------------------------------------------------


def task_refresh_enqueue(task_id: int, delay_s: float = 0) -> int:
    return job_enqueue(kind=TASK_REFRESH, key=task_id, payload={"task_id": task_id}, delay_s=delay_s)


def task_recompute_enqueue(task_id: int) -> int:
    return job_enqueue(kind=TASK_RECOMPUTE, key=task_id, payload={"task_id": task_id})


def chip_recompute_enqueue(chip_id: str) -> int:
    return job_enqueue(kind=CHIP_RECOMPUTE, key=chip_id, payload={"chip_id": chip_id})


def accuracies_enqueue() -> int:
    return job_enqueue(kind=ACCURACIES, key="all")


def register() -> None:
    from lcnet_site.outbox.registry import register_handler, register_sweeper

    register_handler(TASK_REFRESH, task_refresh)
    register_handler(TASK_RECOMPUTE, task_recompute)
    register_handler(CHIP_RECOMPUTE, chip_recompute)
    register_handler(TASKS_RECOMPUTE, tasks_recompute)
    # two workers creating the same annotator's first score row: the loser is retried and then finds it
    register_handler(ACCURACIES, accuracies, transient=(IntegrityError,))
    register_handler(GUESS_RETRAIN, guess_retrain)
    register_sweeper("stale_consensus", stale_tasks_enqueue)
