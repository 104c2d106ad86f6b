"""annotation.lib.sampling: reference tasks spread over tiles and chips, reproducibly."""
import numpy as np

from annotation.lib.sampling import stratified_pick


def layout(n_tiles=5, chips_per_tile=30, tasks_per_chip=64):
    tiles = np.repeat(np.arange(n_tiles), chips_per_tile * tasks_per_chip)
    chips = np.repeat(np.arange(n_tiles * chips_per_tile), tasks_per_chip)
    return tiles, chips


def test_picks_are_spread_evenly_over_tiles_and_chips():
    tiles, chips = layout()
    picked = stratified_pick(tiles, chips, 540, seed=1)
    assert len(picked) == len(set(picked)) == 540
    per_tile = np.bincount(tiles[picked], minlength=5)
    assert per_tile.max() - per_tile.min() <= 1  # 108 each
    per_chip = np.bincount(chips[picked], minlength=150)
    assert per_chip.max() - per_chip.min() <= 1  # 3 or 4 each


def test_a_small_count_touches_every_tile_before_any_twice():
    tiles, chips = layout()
    picked = stratified_pick(tiles, chips, 5, seed=3)
    assert sorted(tiles[picked]) == [0, 1, 2, 3, 4]


def test_the_same_seed_gives_the_same_picks_and_another_seed_others():
    tiles, chips = layout(2, 3, 10)
    a = stratified_pick(tiles, chips, 12, seed=7)
    assert np.array_equal(a, stratified_pick(tiles, chips, 12, seed=7))
    assert not np.array_equal(a, stratified_pick(tiles, chips, 12, seed=8))


def test_uneven_tiles_still_share_fairly_and_count_is_capped():
    tiles = np.array([0] * 100 + [1] * 4)
    chips = np.array([0] * 50 + [1] * 50 + [2] * 4)
    picked = stratified_pick(tiles, chips, 6, seed=0)
    assert np.bincount(tiles[picked]).tolist() == [3, 3]
    assert len(stratified_pick(tiles, chips, 1000, seed=0)) == 104
