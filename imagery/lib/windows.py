"""Window geometry for task imagery (pure): a task box grown by a context margin, clipped to the chip."""

from typing import NamedTuple

from imagery.lib.domain import CHIP_SIZE

MAX_CONTEXT = CHIP_SIZE  # enough for any task to see the whole chip


class Window(NamedTuple):
    row_off: int
    col_off: int
    height: int
    width: int

    def slices(self) -> tuple[slice, slice]:
        return slice(self.row_off, self.row_off + self.height), slice(self.col_off, self.col_off + self.width)


def context_window(task: Window, context: int, chip_size: int = CHIP_SIZE) -> tuple[Window, Window]:
    """The task window grown by `context` pixels on each side and clipped to the chip, and the task's box inside it.

    Returns (window in chip coordinates, task box (y, x, h, w) in window coordinates).
    """
    if not 0 <= context <= MAX_CONTEXT:
        raise ValueError(f"context must be between 0 and {MAX_CONTEXT} pixels, got {context}")
    top = max(task.row_off - context, 0)
    left = max(task.col_off - context, 0)
    bottom = min(task.row_off + task.height + context, chip_size)
    right = min(task.col_off + task.width + context, chip_size)
    window = Window(top, left, bottom - top, right - left)
    box = Window(task.row_off - top, task.col_off - left, task.height, task.width)
    return window, box
