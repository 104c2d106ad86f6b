"""The stored form of a task's consensus score: (32, 32) float32 as 4,096 bytes, row-major (no Django import).

The consensus label is a task label like any other and uses annotation.lib.labels' codec.
"""

import numpy as np

from imagery.lib.domain import TASK_SIZE

SCORE_SHAPE = (TASK_SIZE, TASK_SIZE)


def score_to_bytes(score: np.ndarray) -> bytes:
    return np.ascontiguousarray(score, dtype=np.float32).tobytes()


def score_from_bytes(raw) -> np.ndarray:
    """(32, 32) float32 from a 4,096-byte score column."""
    return np.frombuffer(bytes(raw), dtype=np.float32).reshape(SCORE_SHAPE)


def scores_stack_from_bytes(raw) -> np.ndarray:
    """(n, 32, 32) float32 from n score columns' bytes laid end to end."""
    if len(raw) % (4 * TASK_SIZE * TASK_SIZE):
        raise ValueError(f"stored scores are {4 * TASK_SIZE * TASK_SIZE} bytes each")
    return np.frombuffer(bytes(raw), dtype=np.float32).reshape(-1, *SCORE_SHAPE)
