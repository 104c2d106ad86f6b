"""One date grid for every chip (features comparable across chips), gap reports, the derived cloud mask and the
spatial split, on the real LandCoverNet L2A chip of ../shared/data."""

import numpy as np
import pytest
import rasterio

from guesslabels.lib import features as F
from guesslabels.lib.features import chip_features, pixel_blocks, spatial_split
from imagery.lib.date_grid import grid_dates, year_positions
from imagery.lib.domain import ABSENT, BANDS, CLOUD_MASK_BAND, SCENE_BAND_COUNT, SCL_BAND

GRID = grid_dates(2018)


@pytest.fixture(scope="module")
def year_of_scenes(shared_data):
    """(24, 12, 64, 64): the real chip's bands with a seasonal gain, one scene on each date of the grid, its real
    SCL rolled per date (real-shaped clouds)."""
    folder = shared_data / "landcovernet_s2_chips"
    with rasterio.open(folder / "chipA_epsg32636_bands10.tif") as src:
        bands = src.read(window=((0, 64), (0, 64))).astype(np.float32)
    with rasterio.open(folder / "chipA_epsg32636_SCL.tif") as src:
        scl = src.read(1)
    stack = np.empty((24, SCENE_BAND_COUNT, 64, 64), np.uint16)
    for t in range(24):
        stack[t, : len(BANDS)] = np.clip(bands * (1 + 0.3 * np.sin(2 * np.pi * t / 24)), 1, 65535)
        stack[t, SCL_BAND] = np.roll(scl, 17 * t, axis=0)[:64, :64]
        stack[t, CLOUD_MASK_BAND] = ABSENT
    return stack


def _at_dates(stack, keep):
    return stack[keep], [GRID[i] for i in keep]


def test_features_sit_on_the_same_grid_whether_a_chip_has_24_23_or_7_scenes(year_of_scenes):
    """Each pixel's year is piecewise linear between 7 knot dates (real reflectance scaled per knot): rebuilt from
    all 24 scenes, from 23 or from the 7 knots only, the 240 features agree to the DN rounding of the samples."""
    knots = [0, 3, 7, 10, 14, 18, 21]
    pos = year_positions(GRID)
    gains = np.array([0.6, 0.9, 1.4, 1.8, 1.5, 1.0, 0.7])
    gain = np.interp(pos, pos[knots], gains, period=1.0)  # the same piecewise-linear year for every pixel
    clear = year_of_scenes.copy()
    clear[:, SCL_BAND] = 4
    base = year_of_scenes[0, : len(BANDS)].astype(np.float64)
    for t in range(24):
        clear[t, : len(BANDS)] = np.round(base * gain[t])
    runs = [chip_features(*_at_dates(clear, keep)) for keep in (list(range(24)), [i for i in range(24) if i != 5],
                                                              knots)]
    for cf in runs[1:]:
        assert cf.features.shape == runs[0].features.shape == (64 * 64, 240)
        np.testing.assert_allclose(cf.features, runs[0].features, rtol=0, atol=1.5e-4)  # 1 DN = 1e-4


def test_a_constant_pixel_has_identical_features_with_24_23_or_7_scenes(year_of_scenes):
    flat = year_of_scenes.copy()
    flat[:, : len(BANDS)] = year_of_scenes[0, : len(BANDS)]  # the same reflectance every date
    feats = [chip_features(*_at_dates(flat, keep)).features for keep in
             (list(range(24)), list(range(23)), [1, 4, 8, 11, 15, 19, 22])]
    has = chip_features(*_at_dates(flat, [1, 4, 8, 11, 15, 19, 22])).has_obs
    assert np.array_equal(feats[0][has], feats[1][has]) and np.array_equal(feats[0][has], feats[2][has])


def test_a_chip_whose_observations_leave_a_long_gap_is_reported(year_of_scenes):
    summer = chip_features(*_at_dates(year_of_scenes, [12, 13, 14, 15, 16]))  # June to August only
    report = summer.gap_report(max_gap_days=90)
    assert report["over_limit"] == 1.0 and report["max_days"] > 290
    clear = year_of_scenes.copy()
    clear[:, SCL_BAND] = 4
    year = chip_features(clear, GRID).gap_report(max_gap_days=90)
    assert year["over_limit"] == 0.0 and year["max_days"] == pytest.approx(365.25 / 24, abs=1.0)


def test_a_chip_without_any_quality_layer_gets_a_derived_cloud_mask(year_of_scenes):
    bare = year_of_scenes.copy()
    bare[:, SCL_BAND] = ABSENT
    bare[:, CLOUD_MASK_BAND] = ABSENT
    bare[3, : len(BANDS), :8, :8] = 6000  # a bright white cloud on one date
    cf = chip_features(bare, GRID)
    assert cf.quality == {"scl": 0, "cloud_mask": 0, "derived": 24}
    cols = cf.features.reshape(64, 64, len(BANDS), 24)
    assert (cols[:8, :8, 0, 3] < 0.5).all()  # the cloud was masked and interpolated over, not taken for land
    assert F.derived_cloud_mask(bare[3:4, : len(BANDS)].reshape(1, len(BANDS), -1)).reshape(64, 64)[:8, :8].all()
    assert chip_features(year_of_scenes, GRID).quality == {"scl": 24, "cloud_mask": 0, "derived": 0}


@pytest.mark.parametrize("seed", range(5))
def test_the_spatial_split_never_puts_one_block_on_both_sides(seed):
    rng = np.random.default_rng(seed)
    idx = rng.choice(256 * 256, 5000, replace=False)
    blocks = np.concatenate([pixel_blocks(0, idx, 256), pixel_blocks(1, idx, 256)])
    y = rng.integers(1, 4, len(blocks)).astype(np.uint8)
    train, test = spatial_split(y, blocks, 0.25, seed)
    assert len(train) + len(test) == len(y) and not set(blocks[train]) & set(blocks[test])
    assert 0.2 < len(test) / len(y) < 0.35
    assert set(y[train]) == {1, 2, 3}


def test_blocks_are_16_px_squares_and_chips_never_share_one():
    idx = np.array([0, 15, 16, 16 * 256, 255 * 256 + 255])
    assert pixel_blocks(0, idx, 256).tolist() == [0, 0, 1, 16, 255]
    assert not set(pixel_blocks(0, idx, 256)) & set(pixel_blocks(1, idx, 256))


def test_a_class_in_one_block_only_stays_on_the_training_side():
    blocks = np.repeat(np.arange(20), 10)
    y = np.ones(200, np.uint8)
    y[:10] = 2  # class 2 lives in block 0 only
    for seed in range(10):
        train, test = spatial_split(y, blocks, 0.25, seed)
        assert (y[train] == 2).sum() == 10
