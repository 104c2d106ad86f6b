"""Source scenes for exporters: a chip's scene COG by date, and the absolute URLs that STAC `source` links name.

The scene files live in the storage API (local media or S3), which the server does not expose; exporters reach
them through `/api/export/chips/<chip>/scenes/<YYYY-MM-DD>.tif`, and every exported item's `source` links point
there, so a link found in a `stac.json` resolves for whoever may export.
"""
from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.urls import reverse

from imagery.models import Scene
from imagery.stored_files import StoredFile, stored_file
from lcnet_site.errors import NotFound

URL_NAME = "export-chip-scene"


def base_url(request=None) -> str:
    """Origin the `source` links start with: setting LCNET_PUBLIC_URL, else the origin the request came to."""
    configured = settings.LCNET_PUBLIC_URL
    if configured:
        return configured.rstrip("/")
    if request is None:
        raise ValueError("no base URL: set LCNET_PUBLIC_URL or pass one (the STAC source links must be absolute)")
    return request.build_absolute_uri("/").rstrip("/")


_DAY_SLOT = "0000-00-00"  # a day the URL pattern accepts, replaced below


def scene_urls(base: str, chip_id: str, days) -> list[str]:
    """The absolute download URL of the chip's scene of each day (`base`: base_url), resolved once for the chip:
    an export names ~24 scenes a chip."""
    head, _, tail = (base.rstrip("/") + reverse(URL_NAME, kwargs={"chip_id": chip_id, "day": _DAY_SLOT})
                     ).rpartition(_DAY_SLOT)
    return [f"{head}{day.isoformat()}{tail}" for day in days]


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` (the URL pattern enforces the shape) as a date; an impossible date is a 404."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotFound("A scene date is written YYYY-MM-DD.") from None


def scene_for_download(chip_id: str, day_text: str) -> Scene:
    scene = Scene.objects.select_related("chip").filter(chip_id=chip_id, date=parse_day(day_text)).first()
    if scene is None:
        raise NotFound("This chip has no scene on that date.")
    return scene


def scene_etag(scene: Scene) -> str:
    """Strong validator without reading the file: a scene row's COG never changes after ingest, and row ids are
    never reused; the chip's imagery fingerprint guards a store rebuilt under the same ids."""
    key = repr(("scene-cog", scene.pk, scene.file.name, scene.chip.fingerprint))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def open_scene(scene: Scene) -> StoredFile:
    """The COG in the storage API (size known, whole or by ranges: on S3 a range is one ranged GET, the scene is
    not fetched whole); NotFound when the file is gone from storage."""
    try:
        return stored_file(scene.file.name)
    except FileNotFoundError:
        raise NotFound("The scene's file is missing from storage.") from None
