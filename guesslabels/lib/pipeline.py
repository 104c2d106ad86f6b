"""Tile-level steps between features and model (pure numpy, no Django): collect training pixels chip by chip,
and keep earlier guesses on tasks people already edited."""

from __future__ import annotations

import numpy as np

from guesslabels.lib.features import ChipFeatures, class_counts, pixel_blocks, training_mask
from imagery.lib.domain import CHIP_SIZE, NO_DATA, TASK_SIZE

# Training pixels kept per class and tile. The balanced forest draws, per tree, as many pixels of every class as
# the rarest class has, so a uniform random sample of the common classes changes nothing in expectation while
# it bounds memory and fitting time (a tile is up to 30 x 65,536 pixels x 240 features).
MAX_PIXELS_PER_CLASS = 50_000


class TrainingSample:
    """Chips go in one at a time; a uniform random sample of at most `cap` filtered pixels per class stays.

    Each pixel draws a random key; per class the `cap` smallest keys survive, which is exactly a uniform sample
    without replacement over the whole tile, whatever the chip order.
    """

    def __init__(self, cap: int = MAX_PIXELS_PER_CLASS, seed: int = 0):
        self.cap = cap
        self.rng = np.random.default_rng(seed)
        self.counts_before: dict[int, int] = {}
        self.counts_after: dict[int, int] = {}
        self.chips = 0
        self.chips_without_scl = 0
        self.pixels_by_origin = {"map": 0, "consensus": 0}  # filtered pixels, before sampling
        # class -> [(keys, (240, m) columns, (m,) block ids)]
        self._parts: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}

    def add(self, cf: ChipFeatures, mapped: np.ndarray, consensus: np.ndarray | None = None,
            width: int = CHIP_SIZE) -> None:
        """mapped: (N,) LandCoverNet classes of the land-cover map under the chip (0 = none). consensus: (N,) the
        campaign's final labels (0 = none yet): where present they replace the map and skip the SCL agreement
        filter (people looked at the year of imagery). width: the chip's columns (for the spatial split's blocks)."""
        mapped = mapped.ravel()
        keep = training_mask(mapped, cf.has_obs, cf.scl_class)
        labels = mapped
        if consensus is not None:
            consensus = consensus.ravel()
            human = (consensus != NO_DATA) & cf.has_obs
            keep = np.where(consensus != NO_DATA, human, keep)
            labels = np.where(consensus != NO_DATA, consensus, mapped)
            self.pixels_by_origin["consensus"] += int(human.sum())
        self.pixels_by_origin["map"] += int(keep.sum()) - (0 if consensus is None else int(human.sum()))
        _add_counts(self.counts_before, class_counts(labels))
        _add_counts(self.counts_after, class_counts(labels[keep]))
        self.chips_without_scl += cf.scl_class is None
        idx = np.flatnonzero(keep)
        keys = self.rng.random(len(idx))
        blocks = pixel_blocks(self.chips, idx, width)
        self.chips += 1
        for c in np.unique(labels[idx]):
            sel = labels[idx] == c
            self._push(int(c), keys[sel], idx[sel], blocks[sel], cf.features)

    def _push(self, c: int, keys: np.ndarray, idx: np.ndarray, blocks: np.ndarray, features: np.ndarray) -> None:
        if len(keys) > self.cap:  # keep only what can survive before copying feature rows
            best = np.argpartition(keys, self.cap)[: self.cap]
            keys, idx, blocks = keys[best], idx[best], blocks[best]
        parts = self._parts.setdefault(c, [])
        parts.append((keys, features.T[:, idx], blocks))  # (240, m): row gathers from the (240, N) feature block
        if sum(len(k) for k, _, _ in parts) > 2 * self.cap:
            self._parts[c] = [self._compact(parts)]

    def _compact(self, parts):
        keys = np.concatenate([k for k, _, _ in parts])
        cols = np.concatenate([c for _, c, _ in parts], axis=1)
        blocks = np.concatenate([b for _, _, b in parts])
        if len(keys) > self.cap:
            best = np.argpartition(keys, self.cap)[: self.cap]
            keys, cols, blocks = keys[best], cols[:, best], blocks[best]
        return keys, cols, blocks

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(X (M, 240) float32, y (M,) uint8) of the sampled pixels, classes in ascending order.
        X is the transposed view of a (240, M) block (column reads are contiguous: what tree fitting does)."""
        X, y, _ = self.arrays_with_blocks()
        return X, y

    def arrays_with_blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """arrays() and the (M,) block id of each pixel (features.pixel_blocks), for the spatial split."""
        xs, ys, bs = [], [], []
        for c in sorted(self._parts):
            _, cols, blocks = self._compact(self._parts[c])
            xs.append(cols)
            ys.append(np.full(cols.shape[1], c, np.uint8))
            bs.append(blocks)
        if not xs:
            return np.empty((0, 0), np.float32), np.empty(0, np.uint8), np.empty(0, np.int64)
        return np.concatenate(xs, axis=1).T, np.concatenate(ys), np.concatenate(bs)


def _add_counts(total: dict[int, int], more: dict[int, int]) -> None:
    for c, n in more.items():
        total[c] = total.get(c, 0) + n


def keep_task_windows(new: np.ndarray, old: np.ndarray | None, tasks: list[tuple[int, int]]) -> np.ndarray:
    """The new chip guess, except that the 32×32 windows of `tasks` (row, col) keep the old guess."""
    out = new.copy()
    if old is None:
        return out
    for row, col in tasks:
        win = np.s_[row * TASK_SIZE : (row + 1) * TASK_SIZE, col * TASK_SIZE : (col + 1) * TASK_SIZE]
        out[win] = old[win]
    return out
