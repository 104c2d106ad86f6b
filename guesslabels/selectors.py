"""Readers of the guesslabels app. `task_guess` is the contract other apps build on."""

from __future__ import annotations

import numpy as np

from imagery.stored_files import stored_raster

from guesslabels.lib import raster as core_raster
from guesslabels.models import GuessLabel, ReferenceRaster


def read_guess(guess: GuessLabel, window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    with stored_raster(guess.file.name) as source:
        return core_raster.read_label_tif(source, window)


def task_guess(task) -> np.ndarray | None:
    """(32, 32) uint8 LandCoverNet classes of the task's current guess label; None when its chip has none yet."""
    guess = GuessLabel.objects.filter(chip_id=task.chip_id).first()
    if guess is None:
        return None
    return read_guess(guess, task.window)


def task_guess_info(task) -> dict | None:
    """The task's guess with where it came from (for the API)."""
    guess = GuessLabel.objects.filter(chip_id=task.chip_id).first()
    if guess is None:
        return None
    return {"labels": read_guess(guess, task.window), "run": guess.run_id, "updated_at": guess.updated_at}


def reference_tile_ids() -> list[str]:
    """Tiles with a registered reference raster (the ones a training run can start on)."""
    return list(ReferenceRaster.objects.order_by("tile_id").values_list("tile_id", flat=True))
