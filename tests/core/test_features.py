"""Pure tests of guesslabels.lib.features on small hand-made arrays."""

import datetime as dt

import numpy as np
import pytest

from guesslabels.lib import features as F
from imagery.lib.date_grid import grid_dates, year_positions
from imagery.lib.domain import ABSENT, BANDS, CLOUD_MASK_BAND, SCL_BAND

D = dt.date


def _interp(values, valid, positions, targets):
    v = np.asarray(values, dtype=np.float32)
    if v.ndim == 2:  # (T, N) -> one band
        v = v[:, None, :]
    out, has = F.interpolate_periodic(v, np.asarray(valid, bool), np.asarray(positions, float), np.asarray(targets))
    return out.transpose(2, 1, 0), has  # (N, K, B) reads easier in these tests


# --- periodic interpolation ---


def test_a_january_gap_is_filled_from_december_and_february():
    # One pixel: December 10 and February 20 only; mid-January sits halfway across the year boundary.
    out, has = _interp([[10.0], [20.0]], [[True], [True]], [0.9, 0.1], [0.0])
    assert has.tolist() == [True]
    assert out[0, 0, 0] == pytest.approx(15.0)


def test_the_wrap_weights_by_distance_across_new_year():
    out, _ = _interp([[0.0], [30.0]], [[True], [True]], [0.95, 0.05], [0.98, 0.02])
    assert out[0, :, 0] == pytest.approx([9.0, 21.0], rel=1e-5)  # positions are float32


def test_an_invalid_observation_is_bridged_by_its_valid_neighbours():
    out, _ = _interp([[1.0], [100.0], [3.0]], [[True], [False], [True]], [0.2, 0.4, 0.6], [0.4])
    assert out[0, 0, 0] == pytest.approx(2.0)


def test_a_target_on_a_valid_observation_returns_it_exactly():
    out, _ = _interp([[1.0], [7.0], [3.0]], [[True], [True], [True]], [0.2, 0.4, 0.6], [0.4, 0.2])
    assert out[0, :, 0].tolist() == [7.0, 1.0]


def test_a_pixel_with_one_valid_observation_is_constant():
    out, _ = _interp([[5.0], [9.0]], [[False], [True]], [0.3, 0.7], [0.0, 0.5, 0.99])
    assert out[0, :, 0].tolist() == [9.0, 9.0, 9.0]


def test_a_pixel_without_valid_observations_is_marked_and_zero():
    out, has = _interp([[5.0, 1.0], [9.0, 2.0]], [[False, True], [False, True]], [0.3, 0.7], [0.5])
    assert has.tolist() == [False, True]
    assert out[0].tolist() == [[0.0]]


def test_observations_need_not_come_sorted_and_all_bands_follow_the_same_weights():
    values = np.array([[[30.0], [300.0]], [[10.0], [100.0]]])  # (T=2, B=2, N=1), dates given out of order
    out, _ = F.interpolate_periodic(values, np.ones((2, 1), bool), np.array([0.6, 0.2]), np.array([0.4]))
    assert out[:, 0, 0].tolist() == pytest.approx([20.0, 200.0])


def test_interpolation_matches_numpy_periodic_interp_on_random_pixels():
    rng = np.random.default_rng(1)
    t, n = 9, 400
    positions = rng.random(t)
    values = rng.random((t, 1, n)).astype(np.float32)
    valid = rng.random((t, n)) < 0.5
    targets = (np.arange(24) + 0.5) / 24
    out, has = F.interpolate_periodic(values, valid, positions, targets)
    for i in np.flatnonzero(has)[:100]:
        expect = np.interp(targets, positions[valid[:, i]], values[valid[:, i], 0, i], period=1.0)
        np.testing.assert_allclose(out[0, :, i], expect, rtol=1e-5, atol=1e-6)
    assert has.tolist() == valid.any(axis=0).tolist()


@pytest.mark.parametrize("t", [5, 24, 68])
def test_rebuilding_at_the_scene_dates_keeps_valid_observations_and_fills_the_rest(t):
    rng = np.random.default_rng(t)
    n = 300
    positions = rng.random(t)
    values = rng.random((t, 2, n)).astype(np.float32)
    valid = rng.random((t, n)) < 0.6
    targets = np.sort(positions)  # the fast path: targets are the observations' own positions
    buf = np.full((2, t, n), np.nan, np.float32)
    out, has = F.interpolate_periodic(values, valid, positions, targets, out=buf)
    assert out is buf
    for i in np.flatnonzero(has)[:60]:
        for b in range(2):
            expect = np.interp(targets, positions[valid[:, i]], values[valid[:, i], b, i], period=1.0)
            np.testing.assert_allclose(out[b, :, i], expect, rtol=1e-5, atol=1e-6)
    assert not out[:, :, ~has].any()


def test_a_wrong_output_buffer_is_refused():
    with pytest.raises(ValueError, match="C-contiguous float32"):
        F.interpolate_periodic(np.ones((2, 1, 3)), np.ones((2, 3), bool), np.array([0.1, 0.5]), np.array([0.3]),
                               out=np.empty((1, 2, 3), np.float32))


def test_year_positions_fold_every_year_onto_one_and_stay_inside_it():
    pos = year_positions([D(2018, 1, 1), D(2018, 12, 31), D(2020, 12, 31), D(2017, 7, 2)])
    assert 0 < pos[0] < 0.003 and 0.997 < pos[1] < 1 and 0.997 < pos[2] < 1
    assert pos[3] == pytest.approx(year_positions([D(2019, 7, 2)])[0])


def test_reconstruction_is_the_one_date_grid_whatever_the_chips_dates():
    grid = F.reconstruction_positions()
    assert len(grid) == 24 and grid[0] == pytest.approx(1 / 48) and np.allclose(np.diff(grid), 1 / 24)
    assert [d.isoformat() for d in grid_dates(2018)[:3]] == ["2018-01-08", "2018-01-23", "2018-02-08"]


def test_the_annual_scl_class_is_the_majority_of_valid_observations():
    scl = np.array([[6, 4, 5, 2], [6, 4, 5, 7], [4, 5, 11, 2], [9, 9, 5, 2]])
    valid = np.array([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 1, 1]], bool)
    assert F.scl_majority(scl, valid).tolist() == [6, 4, 5, 0]


def test_invalid_observations_do_not_vote_and_ties_go_to_the_first_class():
    scl = np.array([[5, 4], [5, 6], [4, 8]])
    valid = np.array([[0, 1], [0, 1], [1, 0]], bool)
    assert F.scl_majority(scl, valid).tolist() == [4, 6]  # pixel 1: water/vegetation tie -> water first


# --- mapping ---


def test_the_default_globeland30_table_is_the_issues_mapping():
    m = F.ClassMapping.from_csv(F.DEFAULT_MAPPING)
    ref = np.array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255])
    assert m.apply(ref).tolist() == [6, 5, 7, 5, 7, 1, 7, 2, 3, 4, 0]


def test_the_eolearn_table_maps_its_renumbered_codes():
    m = F.ClassMapping.from_csv(F.MAPPINGS_DIR / "eolearn_lulc.csv")
    assert m.apply(np.array([[0, 1, 2], [3, 4, 8]])).tolist() == [[0, 6, 5], [7, 5, 2]]
    assert m.apply(np.array([5, 9, 10])).tolist() == [1, 3, 4]


def test_a_reference_code_missing_from_the_table_is_an_error():
    m = F.ClassMapping.from_pairs({10: 6, 20: 5}, name="t.csv")
    with pytest.raises(ValueError, match=r"\[15\] are not in mapping table t.csv"):
        m.apply(np.array([10, 15, 20]))


def test_a_table_with_a_target_outside_the_taxonomy_or_bad_columns_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="not LandCoverNet classes"):
        F.ClassMapping.from_pairs({1: 9})
    bad = tmp_path / "bad.csv"
    bad.write_text("code,class\n1,2\n")
    with pytest.raises(ValueError, match="expected columns source_code,target_class"):
        F.ClassMapping.from_csv(bad)


# --- agreement filter ---


def test_mapped_classes_must_agree_with_the_annual_scl_class():
    mapped = np.array([1, 1, 4, 2, 3, 5, 6, 7, 5, 2, 6])
    scl = np.array([6, 4, 11, 5, 5, 4, 4, 4, 6, 4, 0])
    assert F.scl_agrees(mapped, scl).tolist() == [1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0]


def test_training_pixels_need_a_class_an_observation_and_agreement_unless_there_is_no_scl():
    mapped = np.array([0, 5, 5, 1])
    has_obs = np.array([True, True, False, True])
    scl = np.array([4, 4, 4, 4])
    assert F.training_mask(mapped, has_obs, scl).tolist() == [False, True, False, False]
    assert F.training_mask(mapped, has_obs, None).tolist() == [False, True, False, True]


# --- split ---


def test_the_split_is_stratified_75_25_and_disjoint():
    y = np.repeat([1, 5, 7], [40, 400, 8])
    train, test = F.stratified_split(y, 0.25, seed=3)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(y)
    assert [int((y[test] == c).sum()) for c in (1, 5, 7)] == [10, 100, 2]


def test_the_split_refuses_one_class_or_a_class_with_a_single_pixel():
    with pytest.raises(ValueError, match="only 1 class left"):
        F.stratified_split(np.array([5, 5, 5]))
    with pytest.raises(ValueError, match=r"too few pixels .* \{7: 1\}"):
        F.stratified_split(np.array([5, 5, 5, 7]))


# --- a chip ---


def test_chip_features_give_240_reflectance_features_per_pixel_in_band_major_order():
    t, h, w = 3, 2, 2
    stack = np.zeros((t, 12, h, w), np.uint16)
    for i in range(t):
        stack[i, : len(BANDS)] = (np.arange(len(BANDS)) + 1)[:, None, None] * 1000 * (1, 3, 1)[i]  # a summer peak
    stack[:, SCL_BAND] = 4
    stack[:, CLOUD_MASK_BAND] = ABSENT
    stack[1, SCL_BAND, 0, 0] = 9  # a cloud on the middle date of pixel 0
    stack[:, :, 1, 1] = 0  # pixel 3: padding, no data
    dates = [D(2018, 3, 1), D(2018, 6, 1), D(2018, 9, 1)]
    cf = F.chip_features(stack, dates)
    assert cf.features.shape == (4, F.N_FEATURES) and cf.features.dtype == np.float32
    assert cf.has_obs.tolist() == [True, True, True, False]
    assert cf.scl_class.tolist() == [4, 4, 4, 0]
    by_date = cf.features.reshape(4, len(BANDS), 24).transpose(0, 2, 1)  # (pixel, date, band)
    targets, pos = F.reconstruction_positions(), year_positions(dates)
    expect = np.interp(targets, pos, [0.2, 0.6, 0.2], period=1.0)  # band 2 of pixel 1, as reflectance
    np.testing.assert_allclose(by_date[1, :, 1], expect, rtol=1e-5)
    target_june = np.argmin(np.abs(targets - pos[1]))
    assert by_date[0, target_june, 1] < by_date[1, target_june, 1]  # the cloud was replaced by interpolation


def test_a_chip_without_scl_has_no_annual_scl_class():
    stack = np.ones((2, 12, 1, 1), np.uint16)
    stack[:, SCL_BAND] = ABSENT
    stack[:, CLOUD_MASK_BAND] = 0
    assert F.chip_features(stack, [D(2018, 1, 1), D(2018, 7, 1)]).scl_class is None
