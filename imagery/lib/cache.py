"""A small thread-safe LRU bounded by bytes, for decoded scene arrays, and a raster filled block by block as
windows ask for it (pure; one per process)."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np


class ArrayLRU:
    """Keeps the most recently used numpy arrays (or BlockFills) up to `max_bytes` in total."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_load(self, key: Hashable, load: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = load()  # outside the lock: a slow read must not block other threads' hits
        if isinstance(value, np.ndarray):
            value.setflags(write=False)  # shared between requests: nobody may change it in place
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._bytes += value.nbytes
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._bytes -= old.nbytes
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes


class BlockFill:
    """A (bands, H, W) raster read from its source block by block, as windows ask for it.

    A window reads only the blocks of the source's internal tiling that it covers and that no earlier window read
    (on S3 every block is a ranged request: a task's window of a scene moves a few KB, not the scene). The blocks
    still missing are read as their bounding box, in one call of `read((row_off, col_off, height, width))`.
    The array is allocated zeroed (calloc): blocks never asked for take no memory.
    """

    def __init__(self, shape: tuple[int, int, int], dtype, block: int, read: Callable[[tuple], np.ndarray]):
        self.shape, self.block, self._read = shape, block, read
        self._pixels = np.zeros(shape, dtype)
        self._loaded = np.zeros((-(-shape[1] // block), -(-shape[2] // block)), bool)
        self._lock = threading.Lock()
        self.reads = 0  # calls of `read` (tests and benchmarks count storage reads with it)

    @property
    def nbytes(self) -> int:
        return self._pixels.nbytes

    def window(self, row_off: int, col_off: int, height: int, width: int) -> np.ndarray:
        """(bands, height, width), read-only; reads the missing blocks first."""
        _, rows, cols = self.shape
        if row_off < 0 or col_off < 0 or height <= 0 or width <= 0 or row_off + height > rows or col_off + width > cols:
            raise ValueError(f"window {(row_off, col_off, height, width)} is not inside {rows}×{cols}")
        b = self.block
        r0, r1, c0, c1 = row_off // b, -(-(row_off + height) // b), col_off // b, -(-(col_off + width) // b)
        with self._lock:  # one reader per raster: two requests never read the same blocks twice
            missing = ~self._loaded[r0:r1, c0:c1]
            if missing.any():
                br, bc = np.flatnonzero(missing.any(axis=1)), np.flatnonzero(missing.any(axis=0))
                y0, y1 = (r0 + br[0]) * b, min((r0 + br[-1] + 1) * b, rows)
                x0, x1 = (c0 + bc[0]) * b, min((c0 + bc[-1] + 1) * b, cols)
                data = self._read((y0, x0, y1 - y0, x1 - x0))
                # Loaded blocks inside the box get the same values again: readers of their views see no change.
                self._pixels[:, y0:y1, x0:x1] = data
                self._loaded[r0 + br[0]:r0 + br[-1] + 1, c0 + bc[0]:c0 + bc[-1] + 1] = True
                self.reads += 1
        view = self._pixels[:, row_off:row_off + height, col_off:col_off + width]
        view.flags.writeable = False  # shared between requests: nobody may change it in place
        return view
