"""Learning from the campaign: the final consensus labels of a tile go back to guesslabels, which retrains the
tile's model on them (plus its land-cover map) and replaces the guesses of tasks nobody has started.

guesslabels sits below consensus and never reads consensus tables: this module hands it the labels as arrays.
A chip's consensus is final when every task with data has one (consensus.selectors.chip_consensus); a tile is
retrained once it has campaign().guess_retrain_chips final chips its last retraining did not have. The labels of
chips not final yet (tasks with consensus so far) train too."""
from __future__ import annotations

import logging

import numpy as np

from guesslabels import services as guess_services
from guesslabels.models import GuessSource, RunStatus, TrainingRun
from imagery.models import Chip
from lcnet_site.campaign import campaign
from lcnet_site.errors import AppError

from consensus.models import ConsensusLabel
from consensus.selectors import chip_consensus

log = logging.getLogger(__name__)


def tile_final_labels(tile_id: str) -> tuple[dict[str, np.ndarray], list[str]]:
    """({chip id: (256, 256) uint8 consensus labels, 0 where none yet}, ids of the chips whose consensus is final)
    for the chips of the tile that have any consensus."""
    chip_ids = (ConsensusLabel.objects.filter(task__chip__tile_id=tile_id).values_list("task__chip_id", flat=True)
                .distinct())
    labels, final = {}, []
    for chip in Chip.objects.filter(pk__in=list(chip_ids)).order_by("id"):
        label, _, complete = chip_consensus(chip)
        labels[chip.pk] = label
        if complete:
            final.append(chip.pk)
    return labels, final


def _last_final_chips(tile_id: str) -> set[str]:
    last = (TrainingRun.objects.filter(tile_id=tile_id, source=GuessSource.CONSENSUS, status=RunStatus.DONE)
            .order_by("-finished_at").first())
    return set(last.training_sources.get("final_chips", [])) if last else set()


def tile_retrain_due(tile_id: str) -> bool:
    """Enough chips became final since the tile's last retraining (campaign().guess_retrain_chips)?"""
    _, final = tile_final_labels(tile_id)
    return len(set(final) - _last_final_chips(tile_id)) >= max(campaign().guess_retrain_chips, 1)


def tile_retrain(tile_id: str, *, seed: int = 0) -> TrainingRun | None:
    """Retrain the tile's model on its consensus labels so far, as its own background job (heartbeating; eager:
    here). None when the tile has no consensus yet or a run of it is already active (the next final chip asks
    again)."""
    labels, final = tile_final_labels(tile_id)
    if not labels or not any(a.any() for a in labels.values()):
        return None
    try:
        return guess_services.training_run_consensus(tile_id=tile_id, labels=labels, final_chip_ids=final, seed=seed,
                                                     sync=False)
    except AppError as exc:
        log.info("retraining tile %s on consensus labels not started: %s", tile_id, exc.message)
        return None


def tile_retrain_if_due(tile_id: str) -> TrainingRun | None:
    return tile_retrain(tile_id) if tile_retrain_due(tile_id) else None
