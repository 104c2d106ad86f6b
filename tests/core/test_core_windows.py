"""imagery.lib.windows: context windows clipped to the chip, task box position (pure)."""

import pytest

from imagery.lib.windows import MAX_CONTEXT, Window, context_window


def test_context_zero_is_the_task_itself():
    window, box = context_window(Window(64, 96, 32, 32), 0)
    assert window == (64, 96, 32, 32) and box == (0, 0, 32, 32)


def test_an_inner_task_grows_on_every_side():
    window, box = context_window(Window(64, 96, 32, 32), 32)
    assert window == (32, 64, 96, 96) and box == (32, 32, 32, 32)


def test_a_corner_task_is_clipped_to_the_chip_and_its_box_moves():
    window, box = context_window(Window(0, 224, 32, 32), 16)
    assert window == (0, 208, 48, 48) and box == (0, 16, 32, 32)


def test_a_huge_context_is_the_whole_chip():
    window, box = context_window(Window(96, 32, 32, 32), MAX_CONTEXT)
    assert window == (0, 0, 256, 256) and box == (96, 32, 32, 32)


@pytest.mark.parametrize("context", [-1, MAX_CONTEXT + 1])
def test_out_of_range_context_names_the_valid_range(context):
    with pytest.raises(ValueError, match=f"between 0 and {MAX_CONTEXT}"):
        context_window(Window(0, 0, 32, 32), context)


def test_slices_cut_the_window_out_of_a_chip_array():
    rows, cols = Window(5, 7, 3, 4).slices()
    assert (rows.start, rows.stop, cols.start, cols.stop) == (5, 8, 7, 11)
