"""Tile-level steps between features and model (pure numpy, no Django): collect training pixels chip by chip,
and keep earlier guesses on tasks people already edited."""

from __future__ import annotations

import numpy as np

from guesslabels.lib.features import ChipFeatures, class_counts, training_mask
from imagery.lib.domain import TASK_SIZE

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
        self._parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}  # class -> [(keys, (240, m) columns)]

    def add(self, cf: ChipFeatures, mapped: np.ndarray) -> None:
        """mapped: (N,) LandCoverNet classes of the reference under the chip (0 = none)."""
        mapped = mapped.ravel()
        keep = training_mask(mapped, cf.has_obs, cf.scl_class)
        _add_counts(self.counts_before, class_counts(mapped))
        _add_counts(self.counts_after, class_counts(mapped[keep]))
        self.chips += 1
        self.chips_without_scl += cf.scl_class is None
        idx = np.flatnonzero(keep)
        keys = self.rng.random(len(idx))
        for c in np.unique(mapped[idx]):
            sel = mapped[idx] == c
            self._push(int(c), keys[sel], idx[sel], cf.features)

    def _push(self, c: int, keys: np.ndarray, idx: np.ndarray, features: np.ndarray) -> None:
        if len(keys) > self.cap:  # keep only what can survive before copying feature rows
            best = np.argpartition(keys, self.cap)[: self.cap]
            keys, idx = keys[best], idx[best]
        parts = self._parts.setdefault(c, [])
        parts.append((keys, features.T[:, idx]))  # (240, m): row gathers from the (240, N) feature block
        if sum(len(k) for k, _ in parts) > 2 * self.cap:
            self._parts[c] = [self._compact(parts)]

    def _compact(self, parts):
        keys = np.concatenate([k for k, _ in parts])
        cols = np.concatenate([c for _, c in parts], axis=1)
        if len(keys) > self.cap:
            best = np.argpartition(keys, self.cap)[: self.cap]
            keys, cols = keys[best], cols[:, best]
        return keys, cols

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(X (M, 240) float32, y (M,) uint8) of the sampled pixels, classes in ascending order.
        X is the transposed view of a (240, M) block (column reads are contiguous: what tree fitting does)."""
        xs, ys = [], []
        for c in sorted(self._parts):
            _, cols = self._compact(self._parts[c])
            xs.append(cols)
            ys.append(np.full(cols.shape[1], c, np.uint8))
        if not xs:
            return np.empty((0, 0), np.float32), np.empty(0, np.uint8)
        return np.concatenate(xs, axis=1).T, np.concatenate(ys)


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
