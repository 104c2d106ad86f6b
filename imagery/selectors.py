"""Readers of imagery: scene rasters through the storage API (other apps call these; opening a stored raster
where it lies, locally or by byte ranges on S3, is imagery.stored_files.stored_raster)."""

from __future__ import annotations

from datetime import date

import numpy as np

from imagery.lib import cog
from imagery.lib.domain import CHIP_SIZE, SCENE_BAND_COUNT
from imagery.models import Chip, Scene
from imagery.stored_files import stored_raster


def read_scene_window(scene: Scene, window: tuple[int, int, int, int]) -> np.ndarray:
    """(12, h, w) uint16 of one scene; window is (row_off, col_off, height, width) in chip pixels (task.window)."""
    row_off, col_off, height, width = (int(v) for v in window)
    if row_off < 0 or col_off < 0 or height <= 0 or width <= 0 or row_off + height > CHIP_SIZE or col_off + width > CHIP_SIZE:
        raise ValueError(f"window {tuple(window)} is not inside the {CHIP_SIZE}×{CHIP_SIZE} chip")
    with stored_raster(scene.file.name) as source:  # on S3: the window's blocks only (imagery.stored_files)
        return cog.read_window(source, (row_off, col_off, height, width))


def read_chip_stack(chip: Chip) -> tuple[np.ndarray, list[date]]:
    """All scenes of a chip by date: ((n_scenes, 12, 256, 256) uint16, dates)."""
    scenes = list(Scene.objects.filter(chip=chip).order_by("date"))
    stack = np.zeros((len(scenes), SCENE_BAND_COUNT, CHIP_SIZE, CHIP_SIZE), dtype=np.uint16)
    for i, scene in enumerate(scenes):
        stack[i] = read_scene_window(scene, (0, 0, CHIP_SIZE, CHIP_SIZE))
    return stack, [scene.date for scene in scenes]
