"""Process-wide caches behind the imagery API: switching dates, layers or context on a chip re-reads nothing.

- Decoded scenes, block by block: a scene's COG is tiled in 32×32 blocks (imagery.lib.cog) and a window reads
  only the blocks it covers that no earlier request read (imagery.lib.cache.BlockFill); later windows are numpy
  slices. On S3 a task's first look at a scene moves its header and a few deflated blocks, not the scene. Bounded
  by settings.LCNET_IMAGERY_CACHE_MB (a scene entry counts as fully decoded, 1.5 MB).
- A chip's scene list: scenes are written once by ingest and never edited (the admin is read-only; different imagery
  means deleting the chip first), so the list is keyed by the chip's identity and creation, saving a query per image.
"""

from functools import lru_cache

import numpy as np
from django.conf import settings

from imagery.lib.cache import ArrayLRU, BlockFill
from imagery.lib.cog import BLOCK_SIZE
from imagery.lib.domain import CHIP_SIZE, SCENE_BAND_COUNT
from imagery.models import Chip, Scene
from imagery.selectors import read_scene_window

_cache: ArrayLRU | None = None


def scene_cache() -> ArrayLRU:
    global _cache
    if _cache is None:
        _cache = ArrayLRU(settings.LCNET_IMAGERY_CACHE_MB * 2**20)
    return _cache


def scene_blocks(scene: Scene) -> BlockFill:
    """The scene's cache entry. Keyed by the file too: a re-ingested scene is a new entry."""
    return scene_cache().get_or_load(
        ("scene", scene.pk, scene.file.name),
        lambda: BlockFill((SCENE_BAND_COUNT, CHIP_SIZE, CHIP_SIZE), np.uint16, BLOCK_SIZE,
                          lambda window: read_scene_window(scene, window)),
    )


def scene_window(scene: Scene, window) -> np.ndarray:
    """(12, h, w) uint16 of one scene's window (row_off, col_off, height, width), read-only."""
    return scene_blocks(scene).window(*(int(v) for v in window))


@lru_cache(maxsize=4096)
def _scenes_of(chip_pk: str, created_at, fingerprint: str) -> tuple[Scene, ...]:
    return tuple(Scene.objects.filter(chip_id=chip_pk).order_by("date"))


def chip_scenes(chip: Chip) -> tuple[Scene, ...]:
    """The chip's scenes by date. A chip deleted and ingested again has a new created_at, hence a new entry."""
    return _scenes_of(chip.pk, chip.created_at, chip.fingerprint)


def clear_caches() -> None:
    scene_cache().clear()
    _scenes_of.cache_clear()
