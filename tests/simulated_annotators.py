"""Simulated annotators with known confusion matrices, labeling real LandCoverNet truth (../shared/data).

Truth: the published class band of the real label chips, cut into 32×32 tasks (and flipped / rotated for more).
Each annotator has a 7×7 confusion matrix (row true class, column the class they give) with a systematic
confusion like the ones the paper reports (cultivated ↔ semi-natural, woody ↔ semi-natural, the two bare grounds).
"""
from __future__ import annotations

import numpy as np
import rasterio

from imagery.lib.domain import TASK_SIZE
from lcnet_site.sample_data import shared_data_dir

SYSTEMATIC = [(6, 7), (7, 6), (5, 7), (2, 3), (3, 2)]  # (true, mistaken for)


def real_tasks(n_tasks: int, seed: int = 0) -> np.ndarray:
    """(n_tasks, 1024) uint8 real LandCoverNet labels, tasks with at least half their pixels labeled."""
    folder = shared_data_dir() / "landcovernet_af_labels"
    paths = sorted(folder.glob("*/labels.tif"))
    if not paths:
        raise FileNotFoundError(f"no LandCoverNet labels in {folder} (see ../shared/data/README.md)")
    tasks = []
    for path in paths:
        with rasterio.open(path) as src:
            cls = src.read(1).astype(np.uint8)
        for k in range(4):
            for chip in (np.rot90(cls, k), np.rot90(cls[::-1], k)):
                for r in range(0, chip.shape[0], TASK_SIZE):
                    for c in range(0, chip.shape[1], TASK_SIZE):
                        t = chip[r : r + TASK_SIZE, c : c + TASK_SIZE]
                        if (t > 0).mean() >= 0.5:
                            tasks.append(t.ravel().copy())
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(tasks), size=n_tasks, replace=len(tasks) < n_tasks)
    return np.stack([tasks[i] for i in pick])


def confusion_matrix(accuracy: float, *, systematic: float = 0.6, rng=None) -> np.ndarray:
    """(8, 8) row-stochastic over codes (row 0 unused): diagonal `accuracy`; of the errors, `systematic` goes to the
    class a true class is typically mistaken for, the rest spreads over the other classes."""
    m = np.zeros((8, 8))
    for true in range(1, 8):
        m[true, 1:] = (1 - accuracy) * (1 - systematic) / 6
        m[true, true] = accuracy
        target = dict(SYSTEMATIC).get(true)
        if target:
            m[true, target] += (1 - accuracy) * systematic
        else:  # no typical mistake: those errors spread over the six other classes too
            others = [c for c in range(1, 8) if c != true]
            m[true, others] += (1 - accuracy) * systematic / 6
        m[true, true] += 1 - m[true].sum()  # float rounding: rows sum to 1 exactly
    return m


def label_with(truth: np.ndarray, confusion: np.ndarray, rng) -> np.ndarray:
    """An annotator's labels of `truth` (any shape): each labeled pixel drawn from its true class's row."""
    out = np.zeros_like(truth)
    cum = np.cumsum(confusion, axis=1)
    u = rng.random(truth.shape)
    labeled = truth > 0
    out[labeled] = (u[labeled, None] > cum[truth[labeled]]).sum(axis=1).astype(np.uint8)
    return np.clip(out, 0, 7)


def simulate(n_tasks: int, accuracies, *, per_task: int = 3, seed: int = 0):
    """truth (T, P), labels (T, per_task, P), annotators (T, per_task) drawn from the pool, confusions (A, 8, 8)."""
    rng = np.random.default_rng(seed)
    truth = real_tasks(n_tasks, seed)
    confusions = np.stack([confusion_matrix(a) for a in accuracies])
    annotators = np.stack([rng.choice(len(accuracies), per_task, replace=False) for _ in range(n_tasks)])
    labels = np.stack([[label_with(truth[t], confusions[a], rng) for a in annotators[t]] for t in range(n_tasks)])
    return truth, labels.astype(np.uint8), annotators, confusions
