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
