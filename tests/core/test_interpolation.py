"""The blocked, threaded periodic interpolation equals a plain per-pixel reference, bit for bit."""

import datetime as dt

import numpy as np
import pytest

from guesslabels.lib import features as F
from imagery.lib.date_grid import year_positions
from imagery.lib.domain import ABSENT, BANDS, CLOUD_MASK_BAND, SCL_BAND
from imagery.lib.observations import usable


def reference_interpolation(values, valid, positions, targets, scale):
    """One pixel and one target at a time, in the same float32 arithmetic: the last valid observation at or
    before the target and the first after it, wrapping around the year; no valid observation -> zeros. When the
    targets are the observations' own sorted dates, target k of a valid observation k is that observation (even
    when another scene has the same day of year)."""
    t_count, n_bands, n_pix = values.shape
    order = np.argsort(positions, kind="stable")
    pos = np.asarray(positions, np.float64)[order]
    out = np.zeros((n_bands, len(targets), n_pix), np.float32)
    scaled = values.astype(np.float32) * np.float32(scale)
    own_dates = np.array_equal(np.asarray(targets, np.float64), pos)
    for p in range(n_pix):
        ranks = [r for r in range(t_count) if valid[order[r], p]]
        if not ranks:
            continue
        for k, target in enumerate(np.asarray(targets, np.float64)):
            if own_dates and k in ranks:
                out[:, k, p] = scaled[order[k], :, p]
                continue
            before = [r for r in ranks if pos[r] <= target]
            after = [r for r in ranks if pos[r] > target]
            r0, p0 = (before[-1], pos[before[-1]]) if before else (ranks[-1], pos[ranks[-1]] - 1.0)
            r1, p1 = (after[0], pos[after[0]]) if after else (ranks[0], pos[ranks[0]] + 1.0)
            p0, p1 = np.float32(p0), np.float32(p1)
            weight = (np.float32(target) - p0) / (p1 - p0)
            v0, v1 = scaled[order[r0], :, p], scaled[order[r1], :, p]
            out[:, k, p] = v0 + (v1 - v0) * weight
    return out


def _random_series(rng, t_count, n_pix, duplicate_dates=False):
    positions = rng.random(t_count)
    positions[:2] = [0.004, 0.996][:t_count]  # observations right at both ends of the year
    if duplicate_dates and t_count > 3:
        positions[3] = positions[1]  # the same day of year in two years
    values = rng.integers(0, 12000, (t_count, 3, n_pix)).astype(np.uint16)
    valid = rng.random((t_count, n_pix)) < rng.uniform(0.1, 0.9, n_pix)  # each pixel its own cloudiness
    valid[:, :20] = False  # no valid observation
    for p in range(20, 40):  # exactly one valid observation
        valid[:, p] = False
        valid[rng.integers(t_count), p] = True
    return values, valid, positions


@pytest.mark.parametrize("t_count", [1, 2, 7, 24, 30])
@pytest.mark.parametrize("targets", ["own dates", "24 even dates", "random"])
def test_blocked_interpolation_equals_the_per_pixel_reference_bit_for_bit(monkeypatch, t_count, targets):
    monkeypatch.setattr(F, "BLOCK", 64)  # many blocks and a partial last one
    rng = np.random.default_rng(t_count)
    values, valid, positions = _random_series(rng, t_count, 150, duplicate_dates=targets == "own dates")
    target_positions = {
        "own dates": np.sort(positions),
        "24 even dates": (np.arange(24) + 0.5) / 24,
        "random": np.concatenate([[0.0, 0.999], rng.random(5)]),
    }[targets]
    out, has_obs = F.interpolate_periodic(values, valid, positions, target_positions, scale=1e-4)
    expect = reference_interpolation(values, valid, positions, target_positions, 1e-4)
    assert has_obs.tolist() == valid.any(axis=0).tolist()
    assert not has_obs[:20].any() and has_obs[20:40].all()
    np.testing.assert_array_equal(out, expect)


def test_a_cloudy_january_takes_december_and_february_through_the_year_boundary():
    positions = np.array([0.02, 0.08, 0.5, 0.92, 0.98])
    values = np.array([1, 2, 3, 4, 5], np.uint16)[:, None, None] * 100
    valid = np.array([[False], [True], [True], [True], [False]])  # the first and last scene are cloudy
    out, _ = F.interpolate_periodic(values, valid, positions, positions)
    expect = reference_interpolation(values, valid, positions, positions, 1.0)
    np.testing.assert_array_equal(out, expect)
    # Jan 0.02 lies between Dec 0.92 (400) and Feb 0.08 (200): 0.10 of the 0.16 gap after December.
    assert out[0, 0, 0] == pytest.approx(400 - 200 * 0.10 / 0.16, rel=1e-5)


def _stack(rng, t_count, side):
    stack = rng.integers(1, 10000, (t_count, 12, side, side)).astype(np.uint16)
    stack[:, SCL_BAND] = rng.choice([4, 5, 6, 8, 9, 3, 11], (t_count, side, side))
    stack[:, CLOUD_MASK_BAND] = ABSENT
    stack[:, : len(BANDS), :3] = 0  # padding rows: no data
    return stack


@pytest.mark.parametrize("t_count", [24, 9])
def test_chip_features_are_the_same_whatever_the_threads_and_blocks(monkeypatch, t_count):
    rng = np.random.default_rng(7)
    stack = _stack(rng, t_count, 40)
    dates = sorted(dt.date(2019, 1, 1) + dt.timedelta(days=int(d)) for d in rng.choice(365, t_count, replace=False))
    one = F.chip_features(stack, dates, threads=1)
    monkeypatch.setattr(F, "BLOCK", 96)
    two = F.chip_features(stack, dates, threads=2)
    np.testing.assert_array_equal(one.features, two.features)
    np.testing.assert_array_equal(one.has_obs, two.has_obs)
    np.testing.assert_array_equal(one.scl_class, two.scl_class)
    assert not one.has_obs[:120].any() and one.has_obs[120:].any()


def reference_longest_gap_days(valid, positions):
    """One pixel at a time: the longest float32 distance between consecutive valid observations in date order,
    the last of the year to the first of the next included; a whole year without any valid observation."""
    pos = np.sort(np.asarray(positions, np.float64)).astype(np.float32)
    ranked = valid[np.argsort(positions, kind="stable")]
    out = np.empty(valid.shape[1], np.float32)
    for p in range(valid.shape[1]):
        seen = pos[ranked[:, p]]
        if not len(seen):
            out[p] = np.float32(1.0) * np.float32(365.25)
            continue
        gap = seen[0] + np.float32(1) - seen[-1]
        for a, b in zip(seen[:-1], seen[1:]):
            gap = max(gap, b - a)
        out[p] = gap * np.float32(365.25)
    return out


@pytest.mark.parametrize("t_count", [1, 2, 9, 24])
def test_the_longest_gap_of_every_pixel_equals_the_per_pixel_reference(monkeypatch, t_count):
    monkeypatch.setattr(F, "BLOCK", 96)  # many blocks and a partial last one
    rng = np.random.default_rng(t_count)
    stack = _stack(rng, t_count, 40)
    dates = [dt.date(2019, 1, 1) + dt.timedelta(days=int(d)) for d in rng.choice(365, t_count, replace=False)]
    cf = F.chip_features(stack, dates, threads=2)  # dates unsorted on purpose
    flat = stack.reshape(t_count, 12, -1)
    valid = usable(flat[:, : len(BANDS)], flat[:, SCL_BAND], None, band_axis=1)
    expect = reference_longest_gap_days(valid, year_positions(dates))
    assert (expect[:120] == np.float32(365.25)).all()  # the padding rows: no valid observation, a whole year
    np.testing.assert_array_equal(cf.longest_gap, expect)


def test_a_block_that_does_not_match_its_chip_is_refused_not_read_out_of_bounds():
    # The compiled kernel runs without bounds checks: interpolate_block checks every shape it relies on.
    from guesslabels.lib.interpolation import Scratch, interpolate_block, make_plan

    positions = np.array([0.1, 0.4, 0.7])
    plan = make_plan(positions, (np.arange(24) + 0.5) / 24)
    values = np.ones((3, 2, 100), np.uint16)
    out = np.empty((2, 24, 100), np.float32)
    valid = np.ones((3, 50), bool)
    has_obs = np.empty(50, bool)
    interpolate_block(plan, values, valid, 1.0, out, 50, has_obs, Scratch())  # the last 50 pixels: fine
    assert has_obs.all() and (out[:, :, 50:] == 1).all()
    for bad in (
        dict(start=51),  # past the chip's end
        dict(values=np.ones((4, 2, 100), np.uint16)),  # another number of dates
        dict(values=np.ones((3, 1, 100), np.uint16)),  # fewer bands than out
        dict(values=np.ones((3, 2, 200), np.uint16)[:, :, ::2]),  # not C-contiguous
        dict(out=np.empty((2, 23, 100), np.float32)),  # another number of targets
        dict(has_obs=np.empty(40, bool)),
    ):
        args = dict(values=values, out=out, start=50, has_obs=has_obs) | bad
        with pytest.raises(ValueError):
            interpolate_block(plan, args["values"], valid, 1.0, args["out"], args["start"], args["has_obs"], Scratch())
