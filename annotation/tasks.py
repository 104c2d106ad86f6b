"""Celery tasks of the annotation app: take ids, call a service."""
import logging

from celery import shared_task

from annotation import services

log = logging.getLogger(__name__)


@shared_task(name="annotation.chip_data_masks_build", acks_late=True)
def chip_data_masks_build(chip_id: str) -> int:
    """The chip's task data masks, built when it is assigned, so that no annotator's first submit reads its scenes.
    Only a head start: a chip whose scenes cannot be read now is left to the submit's own fallback."""
    try:
        return services.chip_data_masks_ensure(chip_id=chip_id)
    except Exception:  # noqa: BLE001 — never fail the assignment that queued it (eager mode runs it inline)
        log.exception("data masks of chip %s not built; the first submit builds them", chip_id)
        return 0
