"""Readers of the guesslabels app. `task_guess` / `task_guess_info` are what other apps build on: every task has a
guess, stored (a run's or the rule's) or, for a chip nobody filled yet, the rule-based guess computed for its window."""

from __future__ import annotations

import logging

import numpy as np
from django.db.models import Exists, OuterRef

from imagery.models import Chip, Scene
from imagery.selectors import read_chip_stack, read_scene_window
from imagery.stored_files import stored_raster

from guesslabels.lib import raster as core_raster
from guesslabels.lib.features import ChipFeatures, chip_features
from guesslabels.lib.rules import rule_guess
from guesslabels.models import GuessLabel, GuessSource, KeptGuess, LandCoverMap

log = logging.getLogger(__name__)

__all__ = ["read_guess", "chip_guess", "chip_features_of", "task_guess", "task_guess_info",
           "chip_has_guess", "land_cover_map_tile_ids"]


def read_guess(guess: GuessLabel, window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    with stored_raster(guess.file.name) as source:
        return core_raster.read_label_tif(source, window)


def chip_features_of(chip: Chip) -> ChipFeatures | None:
    """The chip's features on the date grid; None when it has no scene."""
    stack, dates = read_chip_stack(chip)
    return chip_features(stack, dates) if dates else None


def chip_guess(chip: Chip) -> np.ndarray | None:
    """(H, W) uint8 of the chip's current guess: stored, else the rule's; None without any scene."""
    guess = GuessLabel.objects.filter(chip=chip).first()
    if guess is not None:
        return read_guess(guess)
    cf = chip_features_of(chip)
    return None if cf is None else rule_guess(cf).reshape(chip.height, chip.width)


def _rule_window(task) -> np.ndarray | None:
    """The rule-based guess of one task, from its window of every scene (a few small reads)."""
    scenes = list(Scene.objects.filter(chip_id=task.chip_id).order_by("date"))
    if not scenes:
        return None
    stack = np.stack([read_scene_window(s, task.window) for s in scenes])
    _, _, height, width = task.window
    return rule_guess(chip_features(stack, [s.date for s in scenes], threads=1)).reshape(height, width)


def task_guess(task) -> np.ndarray | None:
    """(32, 32) uint8 LandCoverNet classes of the task's current guess; None only when its chip has no scene."""
    info = task_guess_info(task)
    return None if info is None else info["labels"]


def task_guess_info(task) -> dict | None:
    """The task's guess with where it came from: labels, source (models.GuessSource), run (None for the rule),
    updated_at. A task someone started reports the source its kept guess came from."""
    guess = GuessLabel.objects.filter(chip_id=task.chip_id).first()
    labels = None
    if guess is not None:
        try:
            labels = read_guess(guess, task.window)
        except OSError as exc:  # the row outlived its file (storage restored, a failed copy): never block labeling
            log.error("guess label of chip %s unreadable (%s): task %s falls back to the rule", task.chip_id, exc,
                      task.pk)
            guess = None
    if guess is None:
        labels = _rule_window(task)
        if labels is None:
            return None
        info = {"labels": labels, "source": GuessSource.RULE.value, "run": None, "updated_at": None}
    else:
        info = {"labels": labels, "source": guess.source, "run": guess.run_id,
                "updated_at": guess.updated_at}
    kept = KeptGuess.objects.filter(task_id=task.pk).exclude(source="").first()
    if kept is not None:
        info.update(source=kept.source, run=kept.run_id)
    info["source_label"] = GuessSource(info["source"]).label
    return info


def chip_has_guess(chip_id) -> bool:
    """Does the chip's every task get a guess? (Stored, or the rule's from its scenes.)"""
    stored = GuessLabel.objects.filter(chip_id=OuterRef("pk"))
    scenes = Scene.objects.filter(chip_id=OuterRef("pk"))
    return Chip.objects.filter(Exists(stored) | Exists(scenes), pk=chip_id).exists()  # one query on the page's path


def land_cover_map_tile_ids() -> list[str]:
    """Tiles covered by a registered land-cover map (the ones a tile run can start on)."""
    return list(LandCoverMap.tiles.through.objects.order_by("tile_id").values_list("tile_id", flat=True).distinct())
