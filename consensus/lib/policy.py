"""Effort where labels are uncertain (pure numpy): which tasks are weak, and an expert's label over a consensus."""
import numpy as np

from imagery.lib.domain import NO_DATA


def uncertain_pixels(label: np.ndarray, probability: np.ndarray, p: float) -> np.ndarray:
    """Labeled pixels whose calibrated probability of being right is under p, per task of a stack (T, ...): (T,)."""
    label = np.asarray(label)
    uncertain = (label != NO_DATA) & (np.asarray(probability) < p)
    return np.count_nonzero(uncertain.reshape(len(label), -1), axis=1)


def weak_tasks(label: np.ndarray, probability: np.ndarray, *, p: float, n: int) -> np.ndarray:
    """The campaign's rule, per task of a stack (T, ...): more than n labeled pixels under calibrated probability p."""
    return uncertain_pixels(label, probability, p) > n


def is_weak(label: np.ndarray, probability: np.ndarray, *, p: float, n: int) -> bool:
    """The rule for one task."""
    return bool(weak_tasks(np.asarray(label)[None], np.asarray(probability)[None], p=p, n=n)[0])


def expert_override(label: np.ndarray, score: np.ndarray, expert: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The expert's class (score 1) wherever they labeled; the consensus elsewhere."""
    expert = np.asarray(expert, np.uint8).reshape(np.shape(label))
    mine = expert != NO_DATA
    return np.where(mine, expert, label).astype(np.uint8), np.where(mine, np.float32(1), score).astype(np.float32)
