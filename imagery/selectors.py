"""Readers of imagery: scene rasters through the storage API (other apps call these)."""

from __future__ import annotations

from datetime import date

import numpy as np
from django.core.files.storage import default_storage

from imagery.lib import cog
from imagery.lib.domain import CHIP_SIZE, SCENE_BAND_COUNT
from imagery.models import Chip, Scene


def _local_path(name: str) -> str | None:
    try:
        return default_storage.path(name)
    except NotImplementedError:  # remote storage (S3): read through the file object
        return None


def read_scene_window(scene: Scene, window: tuple[int, int, int, int]) -> np.ndarray:
    """(12, h, w) uint16 of one scene; window is (row_off, col_off, height, width) in chip pixels (task.window)."""
    row_off, col_off, height, width = (int(v) for v in window)
    if row_off < 0 or col_off < 0 or height <= 0 or width <= 0 or row_off + height > CHIP_SIZE or col_off + width > CHIP_SIZE:
        raise ValueError(f"window {tuple(window)} is not inside the {CHIP_SIZE}×{CHIP_SIZE} chip")
    return cog.read_window(raster_source(scene.file.name), (row_off, col_off, height, width))


def raster_source(name: str) -> str | bytes:
    """What rasterio opens for a stored file: its local path, or its bytes when storage is remote (S3)."""
    path = _local_path(name)
    if path is not None:
        return path
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def read_chip_stack(chip: Chip) -> tuple[np.ndarray, list[date]]:
    """All scenes of a chip by date: ((n_scenes, 12, 256, 256) uint16, dates)."""
    scenes = list(Scene.objects.filter(chip=chip).order_by("date"))
    stack = np.zeros((len(scenes), SCENE_BAND_COUNT, CHIP_SIZE, CHIP_SIZE), dtype=np.uint16)
    for i, scene in enumerate(scenes):
        stack[i] = read_scene_window(scene, (0, 0, CHIP_SIZE, CHIP_SIZE))
    return stack, [scene.date for scene in scenes]
