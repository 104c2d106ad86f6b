"""Receivers of the annotation app's signals (connected in ConsensusConfig.ready()). They only enqueue outbox jobs
(consensus.jobs): those sent after commit write their job row at once, those sent by a model signal inside the
caller's transaction (an ended assignment, a removed reference) write it in that transaction."""
from annotation.models import ReferenceTask
from annotation.policy import annotators_per_chip

from consensus import jobs, selectors, services
from consensus.models import Method
from lcnet_site.campaign import campaign


def _is_reference(task_id, is_reference) -> bool:
    """The sender says whether the task is a reference task; ask the database only if it did not."""
    return ReferenceTask.objects.filter(task_id=task_id).exists() if is_reference is None else bool(is_reference)


def on_annotation_submitted(sender, task_id, submitted_count=None, is_reference=None, **kwargs):
    if _is_reference(task_id, is_reference):
        jobs.accuracies_enqueue()  # a blind label of a reference task: this annotator's accuracy
    if submitted_count is None or submitted_count >= annotators_per_chip():
        if services.consensus_method() == Method.DAWID_SKENE:
            # a tile's fit covers every submit made before it starts: refit once per burst, not once per submit
            jobs.task_refresh_enqueue(task_id, delay_s=campaign().dawid_skene_refit_delay_s)
        else:
            jobs.task_refresh_enqueue(task_id)


def on_annotation_withdrawn(sender, task_id, is_reference=None, **kwargs):
    """A submitted annotation went back to draft: the recompute drops the consensus it completed."""
    if _is_reference(task_id, is_reference):
        jobs.accuracies_enqueue()
    jobs.task_recompute_enqueue(task_id)


def on_expert_label_submitted(sender, task_id, **kwargs):
    jobs.accuracies_enqueue()
    # expert labels are Dawid–Skene's truth, not only weights; on a task sent to the experts for its weak
    # consensus the expert's label overrides the consensus (consensus.policy)
    if services.consensus_method() == Method.DAWID_SKENE or selectors.is_weak_reference(task_id):
        jobs.task_recompute_enqueue(task_id)


def on_reference_task_deleted(sender, instance, **kwargs):
    """A task removed from the references: its expert label stops scoring annotators (and being DS truth)."""
    on_expert_label_submitted(sender, task_id=instance.task_id)


def on_assignment_saved(sender, instance, created, update_fields=None, **kwargs):
    """An ended assignment (annotator unassigned): the chip's tasks lose the consensus their submissions made."""
    if created or instance.ended_at is None or (update_fields is not None and "ended_at" not in update_fields):
        return
    jobs.chip_recompute_enqueue(instance.chip_id)
