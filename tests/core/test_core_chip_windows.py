"""imagery.lib.chip_windows: non-overlapping chip windows inside a tile, no data avoided, reproducible (pure)."""

import numpy as np
import pytest

from imagery.lib import chip_windows as cw
from imagery.lib.chip_windows import chip_windows, window_bounds, window_nodata_fraction
from imagery.lib.sampling import SamplingInputError


def _overlaps(windows):
    r = np.array([w.row_off for w in windows])
    c = np.array([w.col_off for w in windows])
    size = windows[0].height
    close = (np.abs(r[:, None] - r[None]) < size) & (np.abs(c[:, None] - c[None]) < size)
    return close.sum() - len(windows)  # pairs other than each window with itself


def test_thirty_chip_windows_in_a_full_tile_never_overlap_and_stay_inside():
    windows = chip_windows("32NLP", seed=5)
    assert len(windows) == 30 and _overlaps(windows) == 0
    assert all(0 <= w.row_off and w.row_off + 256 <= 10980 for w in windows)
    assert all(0 <= w.col_off and w.col_off + 256 <= 10980 for w in windows)
    assert [w.chip_id for w in windows] == [f"32NLP_{i:02d}" for i in range(30)]


def test_chip_windows_are_reproducible_and_depend_on_seed_and_tile():
    first = chip_windows("32NLP", seed=5)
    assert chip_windows("32NLP", seed=5) == first
    assert [(w.row_off, w.col_off) for w in chip_windows("32NLP", seed=6)] != [(w.row_off, w.col_off) for w in first]
    assert [(w.row_off, w.col_off) for w in chip_windows("33UUU", seed=5)] != [(w.row_off, w.col_off) for w in first]


def test_a_tile_can_be_filled_completely_without_overlap():
    windows = chip_windows("T", 16, seed=0, tile_shape=(1100, 1050))
    assert len(windows) == 16 and _overlaps(windows) == 0
    assert max(w.row_off for w in windows) + 256 <= 1100 and max(w.col_off for w in windows) + 256 <= 1050


def test_windows_avoid_no_data_given_as_a_coarse_raster():
    nodata = np.zeros((183, 183), dtype=bool)  # 60 m over a 10,980 px tile
    nodata[:, :120] = True  # the western two thirds of the tile has no data
    nodata[150:, 150:] = True
    windows = chip_windows("32NLP", 30, seed=1, nodata=nodata)
    r = np.array([w.row_off for w in windows])
    c = np.array([w.col_off for w in windows])
    assert (c >= 120 * 60).all()
    assert not ((r + 256 > 150 * 60) & (c + 256 > 150 * 60)).any()
    assert (window_nodata_fraction(nodata, (10980, 10980), r, c, 256) == 0).all()


def test_no_data_fraction_is_exact_on_a_full_resolution_raster():
    nodata = np.zeros((512, 512), dtype=bool)
    nodata[:64, :256] = True
    frac = window_nodata_fraction(nodata, (512, 512), np.array([0, 0, 256]), np.array([0, 256, 0]), 256)
    assert frac.tolist() == [0.25, 0.0, 0.0]


def test_asking_for_more_chips_than_fit_says_how_many_do():
    nodata = np.zeros((10, 10), dtype=bool)
    nodata[:5] = True  # rows 0..767 of the tile: the top three rows of windows
    with pytest.raises(SamplingInputError, match="tile 33UUU: 30 chips requested but only 18 of 36"):
        chip_windows("33UUU", 30, seed=0, tile_shape=(1536, 1536), nodata=nodata)
    with pytest.raises(SamplingInputError, match="smaller than one 256"):
        chip_windows("33UUU", 1, seed=0, tile_shape=(200, 1536))


def test_window_bounds_follow_the_north_up_grid():
    windows = chip_windows("T", 2, seed=0, tile_shape=(512, 512))
    bounds = window_bounds(windows, origin=(300000.0, 5000000.0))
    for w, (minx, miny, maxx, maxy) in zip(windows, bounds):
        assert (minx, maxy) == (300000 + 10 * w.col_off, 5000000 - 10 * w.row_off)
        assert (maxx - minx, maxy - miny) == (2560, 2560)


def test_a_corner_box_keeps_only_windows_starting_in_the_tiles_own_square():
    windows = chip_windows("32NLP", 1300, seed=2, corner_box=(0, 0, 10000, 10000))
    assert max(max(w.row_off, w.col_off) for w in windows) < 10000
    with pytest.raises(SamplingInputError, match="own 100 km square"):
        chip_windows("32NLP", 1700, seed=2, corner_box=(0, 0, 10000, 10000))


def test_windows_whose_centre_leaves_the_tiles_latitude_band_are_dropped():
    # 34SCA's square straddles 32° N, the S/R band edge; windows centred south of it belong to band R
    epsg, (left, _, _, top) = 32634, cw.geo.tile_bounds("34SCA", 32634, 3_550_000)
    keep = cw.centre_in_band("34SCA", epsg, (left, top))
    windows = chip_windows("34SCA", 30, seed=0, keep=keep)
    lats = cw._to_lonlat(epsg).transform(
        [left + 10 * (w.col_off + 128) for w in windows], [top - 10 * (w.row_off + 128) for w in windows])[1]
    assert min(lats) >= 32.0
    kept = keep(np.array([0, 9000]), np.array([0, 0]))
    assert kept.tolist() == [True, False]


def test_a_full_resolution_mask_is_averaged_down_without_losing_a_small_hole():
    nodata = np.zeros((4100, 4100), dtype=bool)  # above MASK_MAX_SIDE: averaged over 3×3 blocks
    nodata[2000:2003, 2000:2003] = True  # nine no-data pixels
    r, c = np.array([1792, 1792, 0, 3844]), np.array([1792, 2048, 0, 3844])
    frac = window_nodata_fraction(nodata, (4100, 4100), r, c, 256)
    assert frac[0] == pytest.approx(9 / 256**2, rel=0.2) and frac[1] == 0 and frac[2] == 0 and frac[3] == 0


def test_chip_indexes_count_row_major_over_the_padded_cut_grid_of_ingest():
    windows = chip_windows("32NLP", 30, seed=5)
    assert all(w.index == (w.row_off // 256) * 43 + w.col_off // 256 for w in windows)  # ceil(10980 / 256) = 43
    assert all(w.row_off % 256 == 0 and w.col_off % 256 == 0 for w in windows)
