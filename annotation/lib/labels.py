"""Task label arrays: validation of API input and the 1,024-byte storage form (no Django import).

A task label is a (32, 32) uint8 array of LandCoverNet class codes 0..7, stored row-major as 1,024 bytes.
"""

from itertools import chain

import numpy as np

from imagery.lib.domain import BANDS, N_CLASSES, NO_DATA, TASK_SIZE
from imagery.lib.observations import observed

LABEL_SHAPE = (TASK_SIZE, TASK_SIZE)
LABEL_BYTES = TASK_SIZE * TASK_SIZE


class LabelError(ValueError):
    """Input labels are unusable; the message names the problem for a 400 response."""


def labels_from_json(value) -> np.ndarray:
    """Parse `[[int × 32] × 32]` (as decoded from JSON) into a (32, 32) uint8 array, or raise LabelError."""
    _check_shape(value)
    # One C-level pass over the 1,024 values: JSON true/false, floats, strings and null are all refused here
    # (bool is an int subclass, so numpy alone would silently accept true as 1).
    kinds = set(map(type, chain.from_iterable(value)))
    if kinds != {int}:
        bad = sorted(k.__name__ for k in kinds - {int})
        raise LabelError(f"labels must be integers 0-{N_CLASSES - 1}; found {', '.join(bad)}")
    try:
        arr = np.array(value, dtype=np.int64)
    except OverflowError:
        raise LabelError(f"labels must be integers 0-{N_CLASSES - 1}; found a value out of range") from None
    bad = (arr < 0) | (arr >= N_CLASSES)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise LabelError(
            f"labels must be integers 0-{N_CLASSES - 1}; pixel ({r}, {c}) is {arr[r, c]} "
            f"({int(bad.sum())} pixels out of range)"
        )
    return arr.astype(np.uint8)


def _check_shape(value) -> None:
    if not isinstance(value, list) or len(value) != TASK_SIZE:
        raise LabelError(f"labels must be a list of {TASK_SIZE} rows")
    for i, row in enumerate(value):  # 32 rows, not per pixel
        if not isinstance(row, list) or len(row) != TASK_SIZE:
            raise LabelError(f"labels row {i} must be a list of {TASK_SIZE} integers")


def check_no_data(labels: np.ndarray, data_mask: np.ndarray) -> None:
    """Refuse class 0 (no data) on a pixel whose imagery has data (a submitted label must be complete)."""
    bad = (labels == NO_DATA) & data_mask
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise LabelError(
            f"{int(bad.sum())} pixels with imagery are labeled 0 (no data), first at ({r}, {c}); "
            "give every pixel with data a class 1-7"
        )


def labels_to_bytes(labels: np.ndarray) -> bytes:
    return np.ascontiguousarray(labels, dtype=np.uint8).tobytes()


def labels_from_bytes(raw) -> np.ndarray:
    if raw is None or len(raw) != LABEL_BYTES:
        raise LabelError(f"stored labels must be {LABEL_BYTES} bytes")
    return np.frombuffer(bytes(raw), dtype=np.uint8).reshape(LABEL_SHAPE)


def labels_stack_from_bytes(raws) -> np.ndarray:
    """(n, 32, 32) uint8 from n stored labels, decoded in one pass (a batch of tasks' annotations)."""
    raw = b"".join(bytes(r) for r in raws)
    if len(raw) % LABEL_BYTES:
        raise LabelError(f"stored labels must be {LABEL_BYTES} bytes")
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, *LABEL_SHAPE)


def empty_labels() -> np.ndarray:
    return np.zeros(LABEL_SHAPE, dtype=np.uint8)


def count_differ(labels: np.ndarray, reference: np.ndarray) -> int:
    """How many pixels differ between two label arrays (e.g. an annotation and its guess label)."""
    return int(np.count_nonzero(labels != reference))


def data_mask_from_stack(stack: np.ndarray) -> np.ndarray:
    """Pixels with imagery: any reflectance band non-zero on any scene. stack: (n_scenes, bands, h, w) uint16.

    Only the reflectance bands count (the COG's last two bands are SCL and the cloud mask, see imagery.lib.domain).
    """
    if stack.ndim != 4 or stack.shape[0] == 0:
        return np.zeros(stack.shape[-2:], dtype=bool)
    return observed(stack[:, : len(BANDS)], band_axis=1).any(axis=0)


def split_tasks(chip_array: np.ndarray) -> np.ndarray:
    """(256, 256) chip array → (8, 8, 32, 32): [task row, task col] → that task's window (a view, no copy)."""
    n = chip_array.shape[0] // TASK_SIZE
    return chip_array.reshape(n, TASK_SIZE, n, TASK_SIZE).swapaxes(1, 2)


def pack_mask(mask: np.ndarray) -> bytes:
    """A (32, 32) bool mask as 128 bytes."""
    return np.packbits(mask.astype(bool), axis=None).tobytes()


def unpack_mask(raw) -> np.ndarray:
    bits = np.unpackbits(np.frombuffer(bytes(raw), dtype=np.uint8), count=LABEL_BYTES)
    return bits.reshape(LABEL_SHAPE).astype(bool)
