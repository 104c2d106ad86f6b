"""Celery tasks of imagery: one chip's acquisition per task, so a campaign spreads over every worker.

The task takes plain data (the chip request, the year, the catalog as dicts) and calls the service; it is
idempotent (a chip already acquired is reported as stored and nothing is read), so a redelivery after a lost
worker (acks_late) does no harm. Failures come back as a result, not an exception: the caller reports them per chip.
"""
from dataclasses import asdict

from celery import shared_task


@shared_task(name="imagery.chip_acquire", acks_late=True)
def chip_acquire(request: dict, year: int, catalog: dict) -> dict:
    from imagery import services
    from imagery.lib.acquisition import ChipRequest
    from imagery.lib.stac_catalog import Catalog
    from lcnet_site.errors import AppError

    chip = ChipRequest.from_dict(request)
    try:
        result = services.chip_acquire(request=chip, year=year, catalog=Catalog.from_dict(catalog))
    except AppError as exc:
        return {"chip_id": chip.chip_id, "tile": chip.tile, "state": "failed", "error": exc.message}
    return asdict(result) | {"tile": chip.tile}
