"""Process-wide caches behind the imagery API: switching dates, layers or context on a chip re-reads nothing.

- Decoded scenes: a scene's COG is small (12 × 256 × 256 uint16 = 1.5 MB decoded) and a task window never spans
  more than one chip, so the whole scene is read once and windows are numpy slices of it. Bounded by
  settings.LCNET_IMAGERY_CACHE_MB.
- A chip's scene list: scenes are written once by ingest and never edited (the admin is read-only; different imagery
  means deleting the chip first), so the list is keyed by the chip's identity and creation, saving a query per image.
"""

from functools import lru_cache

import numpy as np
from django.conf import settings

from imagery.lib.cache import ArrayLRU
from imagery.lib.domain import CHIP_SIZE
from imagery.models import Chip, Scene
from imagery.selectors import read_scene_window

_cache: ArrayLRU | None = None


def scene_cache() -> ArrayLRU:
    global _cache
    if _cache is None:
        _cache = ArrayLRU(int(getattr(settings, "LCNET_IMAGERY_CACHE_MB", 256)) * 2**20)
    return _cache


def scene_pixels(scene: Scene) -> np.ndarray:
    """(12, 256, 256) uint16 of one scene, read-only. Keyed by the file too: a re-ingested scene is a new entry."""
    return scene_cache().get_or_load(
        ("scene", scene.pk, scene.file.name), lambda: read_scene_window(scene, (0, 0, CHIP_SIZE, CHIP_SIZE))
    )


@lru_cache(maxsize=4096)
def _scenes_of(chip_pk: str, created_at, fingerprint: str) -> tuple[Scene, ...]:
    return tuple(Scene.objects.filter(chip_id=chip_pk).order_by("date"))


def chip_scenes(chip: Chip) -> tuple[Scene, ...]:
    """The chip's scenes by date. A chip deleted and ingested again has a new created_at, hence a new entry."""
    return _scenes_of(chip.pk, chip.created_at, chip.fingerprint)


def clear_caches() -> None:
    scene_cache().clear()
    _scenes_of.cache_clear()
