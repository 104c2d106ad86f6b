"""Stratified, seeded choice of reference tasks over tiles and chips (no Django import)."""
import numpy as np


def stratified_pick(tile_codes: np.ndarray, chip_codes: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Indices of `count` items spread as evenly as possible over tiles, then over chips within each tile.

    Items are ordered by rounds: round k takes the k-th (random) item of every chip, chips of a tile taking turns
    in a random order, tiles interleaved; so every tile gets its share before any tile gets more, and within a tile
    every chip does. tile_codes, chip_codes: integer codes per item (a chip belongs to one tile).
    """
    n = len(chip_codes)
    count = min(int(count), n)
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    shuffle = rng.permutation(n)
    tiles, chips = np.asarray(tile_codes)[shuffle], np.asarray(chip_codes)[shuffle]
    rank_in_chip = _rank_within(chips)
    # random order of chips inside their tile: rank of each chip's first (shuffled) item among its tile's chips
    chip_ids, first = np.unique(chips, return_index=True)
    chip_tile = tiles[first]
    chip_order = rng.permutation(len(chip_ids))
    chip_rank = np.empty(len(chip_ids), np.int64)
    by_tile = np.lexsort((chip_order, chip_tile))
    chip_rank[by_tile] = _rank_within(chip_tile[by_tile])
    chips_per_tile = np.bincount(np.unique(chip_tile, return_inverse=True)[1])
    tile_index = np.unique(chip_tile, return_inverse=True)[1]
    item_chip = np.searchsorted(chip_ids, chips)
    slot_in_tile = rank_in_chip * chips_per_tile[tile_index[item_chip]] + chip_rank[item_chip]
    tile_order = rng.permutation(len(chips_per_tile))[tile_index[item_chip]]
    order = np.lexsort((tile_order, slot_in_tile))
    return shuffle[order[:count]]


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, … for the successive occurrences of each group value, in array order (vectorized)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    ranks = np.empty(len(groups), np.int64)
    ranks[order] = np.arange(len(groups)) - run_start
    return ranks
