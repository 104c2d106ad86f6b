"""Background jobs the annotation app owns (outbox handlers, registered in AnnotationConfig.ready())."""
import logging

from lcnet_site.outbox.services import TRANSIENT

log = logging.getLogger(__name__)

CHIP_MASKS = "annotation.chip_masks"


def chip_masks(payload: dict, heartbeat) -> int:
    """The chip's task data masks, built when it is assigned, so that no annotator's first submit reads its scenes.
    Only a head start: a chip whose scenes cannot be read now is left to the submit's own fallback (an outage of
    the database or broker is retried like any job)."""
    from annotation import services  # the services enqueue this job: imported here, no import circle

    try:
        return services.chip_data_masks_ensure(chip_id=payload["chip_id"])
    except TRANSIENT:
        raise
    except Exception:  # noqa: BLE001
        log.exception("data masks of chip %s not built; the first submit builds them", payload["chip_id"])
        return 0
