"""imagery.lib.cache.ArrayLRU (pure)."""

import numpy as np
import pytest

from imagery.lib.cache import ArrayLRU


def loader(calls, key, nbytes=100):
    def load():
        calls.append(key)
        return np.zeros(nbytes, dtype=np.uint8)

    return load


def test_a_second_get_reads_nothing():
    cache, calls = ArrayLRU(1000), []
    first = cache.get_or_load("a", loader(calls, "a"))
    assert cache.get_or_load("a", loader(calls, "a")) is first
    assert calls == ["a"] and (cache.hits, cache.misses) == (1, 1)


def test_least_recently_used_is_evicted_past_the_byte_budget():
    cache, calls = ArrayLRU(250), []
    for key in "abc":
        cache.get_or_load(key, loader(calls, key))
    assert len(cache) == 2 and cache.nbytes == 200
    cache.get_or_load("a", loader(calls, "a"))  # "a" was evicted: read again
    assert calls == ["a", "b", "c", "a"]


def test_cached_arrays_are_read_only():
    cache = ArrayLRU(1000)
    value = cache.get_or_load("a", loader([], "a"))
    with pytest.raises(ValueError):
        value[0] = 1


# --- BlockFill: a raster read block by block -------------------------------------------------------------------

from imagery.lib.cache import BlockFill  # noqa: E402


def block_source(reads):
    full = np.arange(2 * 96 * 80, dtype=np.uint16).reshape(2, 96, 80)

    def read(window):
        reads.append(window)
        r, c, h, w = window
        return full[:, r:r + h, c:c + w].copy()

    return full, read


def test_a_window_reads_only_the_blocks_it_covers_and_never_twice():
    reads = []
    full, read = block_source(reads)
    fill = BlockFill((2, 96, 80), np.uint16, 32, read)
    np.testing.assert_array_equal(fill.window(40, 10, 5, 5), full[:, 40:45, 10:15])
    assert reads == [(32, 0, 32, 32)]  # the one block under the window
    np.testing.assert_array_equal(fill.window(33, 1, 30, 30), full[:, 33:63, 1:31])
    assert len(reads) == 1  # same block: a slice, no read
    np.testing.assert_array_equal(fill.window(0, 0, 96, 80), full)
    assert reads[1] == (0, 0, 96, 80)  # the bounding box of the missing blocks, edge blocks clipped to the raster
    assert fill.reads == 2
    fill.window(64, 64, 32, 16)
    assert fill.reads == 2  # everything is loaded now


def test_missing_blocks_are_read_as_their_bounding_box():
    reads = []
    full, read = block_source(reads)
    fill = BlockFill((2, 96, 80), np.uint16, 32, read)
    fill.window(0, 32, 32, 32)
    np.testing.assert_array_equal(fill.window(0, 0, 64, 80), full[:, :64, :])
    assert reads == [(0, 32, 32, 32), (0, 0, 64, 80)]


def test_block_windows_are_read_only_and_outside_windows_refused():
    fill = BlockFill((2, 96, 80), np.uint16, 32, block_source([])[1])
    view = fill.window(0, 0, 8, 8)
    with pytest.raises(ValueError):
        view[0, 0, 0] = 1
    with pytest.raises(ValueError, match="not inside"):
        fill.window(90, 0, 8, 8)


def test_an_lru_keeps_block_fills_by_their_full_size():
    cache = ArrayLRU(2 * 96 * 80 * 2 * 2)
    for key in "abc":
        cache.get_or_load(key, lambda: BlockFill((2, 96, 80), np.uint16, 32, block_source([])[1]))
    assert len(cache) == 2 and cache.nbytes == 2 * 2 * 96 * 80 * 2
