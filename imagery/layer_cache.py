"""Process-wide cache of decoded scene arrays: switching dates, layers or context on a chip re-reads nothing.

A scene's COG is small (12 × 256 × 256 uint16 = 1.5 MB decoded) and a task window never spans more than one chip,
so the whole scene is read once and windows are numpy slices of it. Bounded by settings.LCNET_IMAGERY_CACHE_MB.
"""

import numpy as np
from django.conf import settings

from .core_cache import ArrayLRU
from .domain import CHIP_SIZE
from .selectors import read_scene_window

_cache: ArrayLRU | None = None


def scene_cache() -> ArrayLRU:
    global _cache
    if _cache is None:
        _cache = ArrayLRU(int(getattr(settings, "LCNET_IMAGERY_CACHE_MB", 256)) * 2**20)
    return _cache


def scene_pixels(scene) -> np.ndarray:
    """(12, 256, 256) uint16 of one scene, read-only. Keyed by the file too: a re-ingested scene is a new entry."""
    return scene_cache().get_or_load(
        ("scene", scene.pk, scene.file.name), lambda: read_scene_window(scene, (0, 0, CHIP_SIZE, CHIP_SIZE))
    )
