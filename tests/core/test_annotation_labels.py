"""annotation.lib.labels: label validation and storage, no Django."""

import numpy as np
import pytest

from annotation.lib.labels import (
    LABEL_BYTES,
    LabelError,
    check_no_data,
    count_differ,
    data_mask_from_stack,
    labels_from_bytes,
    labels_from_json,
    labels_to_bytes,
    pack_mask,
    unpack_mask,
)


def grid(value=1):
    return [[value] * 32 for _ in range(32)]


def test_a_valid_grid_parses_to_uint8_32x32():
    value = grid(3)
    value[5][7] = 7
    arr = labels_from_json(value)
    assert arr.dtype == np.uint8 and arr.shape == (32, 32)
    assert arr[5, 7] == 7 and arr[0, 0] == 3


@pytest.mark.parametrize(
    "value, words",
    [
        ([[1] * 32] * 31, "32 rows"),
        ([[1] * 32] * 33, "32 rows"),
        ("nope", "32 rows"),
        ([[1] * 32] * 31 + [[1] * 31], "row 31"),
        ([[1] * 32] * 31 + [None], "row 31"),
    ],
)
def test_a_grid_of_the_wrong_shape_is_refused_naming_the_shape(value, words):
    with pytest.raises(LabelError, match=words):
        labels_from_json(value)


@pytest.mark.parametrize("bad, name", [(1.5, "float"), (True, "bool"), ("1", "str"), (None, "NoneType"), (2.0, "float")])
def test_a_non_integer_value_is_refused_naming_its_type(bad, name):
    value = grid()
    value[3][4] = bad
    with pytest.raises(LabelError, match=name):
        labels_from_json(value)


@pytest.mark.parametrize("bad", [8, -1, 255, 10**30])
def test_a_value_outside_0_to_7_is_refused_naming_the_pixel(bad):
    value = grid()
    value[2][9] = bad
    with pytest.raises(LabelError, match=r"0-7"):
        labels_from_json(value)
    if bad != 10**30:
        with pytest.raises(LabelError, match=r"\(2, 9\)"):
            labels_from_json(value)


def test_bytes_round_trip_is_row_major_1024_bytes():
    arr = np.arange(1024, dtype=np.int64).reshape(32, 32) % 8
    raw = labels_to_bytes(arr.astype(np.uint8))
    assert len(raw) == LABEL_BYTES
    assert raw[33] == arr[1, 1]
    np.testing.assert_array_equal(labels_from_bytes(memoryview(raw)), arr)


def test_stored_labels_of_the_wrong_length_are_refused():
    with pytest.raises(LabelError):
        labels_from_bytes(b"\x00" * 1023)


def test_count_differ_counts_changed_pixels():
    a = np.ones((32, 32), np.uint8)
    b = a.copy()
    b[0, :5] = 6
    assert count_differ(a, b) == 5
    assert count_differ(a, a) == 0


def test_no_data_is_refused_only_where_imagery_has_data():
    labels = np.ones((32, 32), np.uint8)
    labels[:, 0] = 0
    mask = np.ones((32, 32), bool)
    mask[:, 0] = False
    check_no_data(labels, mask)  # zeros only where there is no imagery: fine
    mask[4, 0] = True
    with pytest.raises(LabelError, match=r"1 pixels .* \(4, 0\)"):
        check_no_data(labels, mask)


def test_data_mask_uses_reflectance_bands_of_any_scene():
    stack = np.zeros((3, 12, 32, 32), np.uint16)
    stack[:, 10] = 4  # SCL alone is not imagery
    stack[:, 11] = 255  # nor an absent cloud mask
    stack[2, 3, 7, 8] = 1200
    mask = data_mask_from_stack(stack)
    assert mask.sum() == 1 and mask[7, 8]


def test_no_scenes_means_no_data_anywhere():
    assert not data_mask_from_stack(np.zeros((0, 12, 32, 32), np.uint16)).any()


def test_mask_packs_into_128_bytes_and_back():
    rng = np.random.default_rng(0)
    mask = rng.random((32, 32)) > 0.5
    raw = pack_mask(mask)
    assert len(raw) == 128
    np.testing.assert_array_equal(unpack_mask(raw), mask)


def test_split_tasks_gives_each_task_its_window():
    from annotation.lib.labels import split_tasks

    chip = np.arange(256 * 256).reshape(256, 256)
    tasks = split_tasks(chip)
    assert tasks.shape == (8, 8, 32, 32)
    np.testing.assert_array_equal(tasks[3, 5], chip[96:128, 160:192])
