"""The one rule for usable observations and the cloudy SCL set, pinned across ingest, rendering, series and features."""

import datetime as dt

import numpy as np

from guesslabels.lib import features
from imagery.lib import ingest, render
from imagery.lib.domain import ABSENT, CLOUD_MASK_BAND, SCENE_BAND_COUNT, SCL_BAND, SCL_CLOUDY, SCL_INVALID
from imagery.lib.observations import cloudy, has_data, usable
from imagery.lib.series import pixel_series

CODES = list(range(16)) + [ABSENT]  # every SCL code a uint8 band can hold below 16, and "no SCL"


def test_the_cloudy_and_invalid_sets_are_the_domains():
    assert sorted(SCL_CLOUDY) == [1, 3, 8, 9, 10]  # saturated/defective, shadow, cloud medium/high, thin cirrus
    assert sorted(SCL_INVALID) == [0, 1, 3, 8, 9, 10]  # and no data


def _stack_per_code(mask_value=0):
    """(n_codes, 12, 1, 1): scene k holds one clear-reflectance pixel whose SCL is CODES[k]."""
    stack = np.full((len(CODES), SCENE_BAND_COUNT, 1, 1), 500, np.uint16)
    stack[:, SCL_BAND, 0, 0] = CODES
    stack[:, CLOUD_MASK_BAND] = mask_value
    return stack


def test_ingest_rendering_series_and_features_call_the_same_scl_codes_cloudy():
    stack = _stack_per_code()
    expected_cloudy = [c in SCL_CLOUDY for c in CODES]
    expected_usable = [c not in SCL_INVALID for c in CODES]
    # ingest: the cloud fraction of each one-pixel scene (a no-data scene counts as fully cloudy)
    fractions = ingest.cloud_fractions(stack)
    assert [f == 1.0 for f in fractions] == [c in SCL_INVALID for c in CODES]
    assert ingest.cloudy_mask(stack)[:, 0, 0].tolist() == expected_cloudy
    assert ingest.valid_mask(stack)[:, 0, 0].tolist() == expected_usable
    # rendering: what the cloud styles draw, and the valid fraction
    assert [bool(render.cloud_mask(scene)[0, 0]) for scene in stack] == expected_cloudy
    assert [render.valid_fraction(scene) == 1.0 for scene in stack] == expected_usable
    # the pixel series and the model's features (one date: a pixel has an observation only when it is usable)
    assert pixel_series(stack[:, :, 0, 0])["valid"].tolist() == expected_usable
    per_pixel = np.moveaxis(stack, 0, -1)[None, :, 0]  # (1 date, 12, 1, n_codes): one pixel per code
    got = features.chip_features(per_pixel, [dt.date(2020, 6, 1)], threads=1).has_obs
    assert got.tolist() == expected_usable


def test_usable_is_has_data_and_not_cloudy_for_every_code_and_mask_value():
    scl = np.array(CODES * 3, np.uint16)[None]
    mask = np.repeat(np.array([0, 1, ABSENT], np.uint16), len(CODES))[None]
    refl = np.ones((1, 10, scl.shape[1]), np.uint16)
    refl[0, :, ::5] = 0  # some pixels without reflectance
    expected = has_data(refl, scl, band_axis=1) & ~cloudy(scl, mask)
    np.testing.assert_array_equal(usable(refl, scl, mask, band_axis=1), expected)


def test_every_scl_invalid_code_and_only_those_reject_an_observation():
    scl = np.arange(12, dtype=np.uint16)[None, :]  # one date, 12 pixels, codes 0..11
    refl = np.ones((1, 10, 12), np.uint16)
    valid = usable(refl, scl, np.zeros_like(scl), band_axis=1)
    assert [c for c in range(12) if not valid[0, c]] == sorted(SCL_INVALID) == [0, 1, 3, 8, 9, 10]


def test_without_scl_the_cloud_mask_decides_and_without_either_the_pixel_counts_as_clear():
    scl = np.full((1, 3), ABSENT, np.uint16)
    mask = np.array([[0, 1, ABSENT]], np.uint16)
    valid = usable(np.ones((1, 10, 3), np.uint16), scl, mask, band_axis=1)
    assert valid.tolist() == [[True, False, True]]


def test_scl_wins_over_the_cloud_mask_when_both_exist():
    valid = usable(np.ones((1, 10, 2), np.uint16), np.array([[4, 9]]), np.array([[1, 0]]), band_axis=1)
    assert valid.tolist() == [[True, False]]
    assert cloudy(np.array([4, 9]), np.array([1, 0])).tolist() == [False, True]


def test_reflectance_no_data_is_invalid_even_under_clear_sky():
    refl = np.ones((1, 10, 2), np.uint16)
    refl[0, :, 1] = 0
    valid = usable(refl, np.array([[4, 4]]), np.array([[0, 0]]), band_axis=1)
    assert valid.tolist() == [[True, False]]
