"""Catalog presets, asset-key mappings and reflectance offsets on the real Items of both big catalogs."""
import json

import pytest
from rasterio.errors import RasterioIOError

from pyproj import Transformer

from imagery.lib import cog_remote, geo
from imagery.lib.acquisition import AcquisitionError, chip_at_point, chip_request
from imagery.lib.domain import BANDS
from imagery.lib.stac_catalog import LAYERS, CatalogError, catalog_from, item_scene, reflectance_offset

ES = "stac_s2l2a_13TDE_2024/earthsearch_sentinel-2-c1-l2a_13TDE_10items.json"
PC = "stac_s2l2a_13TDE_2024/pc_sentinel-2-l2a_13TDE_2024_100items.json"


def features(shared_data, name):
    return json.loads((shared_data / name).read_text())["features"]


def band_name(asset: dict) -> str | None:
    names = [b.get("name") for b in asset.get("eo:bands", [])]
    return names[0] if len(names) == 1 else None


@pytest.mark.parametrize("name, preset", [(ES, "earth-search"), (PC, "planetary-computer")])
def test_both_catalogs_asset_keys_map_to_the_same_bands(shared_data, name, preset):
    catalog = catalog_from(preset)
    for item in features(shared_data, name):
        scene = item_scene(item, catalog)
        assert set(scene.hrefs) == set(LAYERS)
        by_href = {a["href"]: a for a in item["assets"].values()}
        for band in BANDS:  # the asset each layer maps to says, in eo:bands, that it is that band
            assert band_name(by_href[scene.hrefs[band]]) == band
        scl = by_href[scene.hrefs["SCL"]]
        assert scl["proj:transform"][0] == 20 and scl["proj:shape"] == [5490, 5490]
        assert scene.epsg == 32613 and scene.dn_offset == -1000  # 2024: baseline 05.x, +1000 in the DNs


def test_earth_search_and_planetary_computer_items_of_one_day_read_the_same_grids(shared_data):
    es = {item_scene(i, catalog_from("earth-search")).day: i for i in features(shared_data, ES)}
    pc = {item_scene(i, catalog_from("planetary-computer")).day: i for i in features(shared_data, PC)}
    common = sorted(set(es) & set(pc))
    assert common
    for day in common:
        e, p = es[day], pc[day]
        for layer in LAYERS:
            ea = e["assets"][catalog_from("earth-search").assets[layer]]
            pa = p["assets"][layer]
            assert [float(v) for v in ea["proj:transform"][:6]] == [float(v) for v in pa["proj:transform"][:6]]


def test_reflectance_offsets_follow_the_catalogs_flag_then_raster_bands_then_the_baseline():
    assert reflectance_offset({"s2:processing_baseline": "03.01"}, {}) == 0
    assert reflectance_offset({"s2:processing_baseline": "04.00"}, {}) == -1000
    assert reflectance_offset({"s2:processing_baseline": "05.10", "earthsearch:boa_offset_applied": True}, {}) == 0
    raster = {"raster:bands": [{"scale": 0.0001, "offset": -0.1}]}
    assert reflectance_offset({"s2:processing_baseline": "02.09"}, raster) == -1000
    assert reflectance_offset({}, {"raster:bands": [{"scale": 0.0001, "offset": 0}]}) == 0


def test_a_custom_catalog_needs_only_a_mapping_and_a_wrong_one_is_named(shared_data):
    item = features(shared_data, ES)[0]
    catalog = catalog_from("http://127.0.0.1:1/", collection="sentinel-2-c1-l2a")  # common names by default
    assert item_scene(item, catalog).hrefs["B8A"] == item["assets"]["nir08"]["href"]
    wrong = catalog_from("http://127.0.0.1:1/", asset_map='{"B8A": "narrow_nir"}')
    with pytest.raises(CatalogError, match="no asset 'narrow_nir' for B8A"):
        item_scene(item, wrong)
    with pytest.raises(CatalogError, match="unknown layer"):
        catalog_from("http://127.0.0.1:1/", asset_map='{"B13": "x"}')
    with pytest.raises(CatalogError, match="not a preset name or JSON"):
        catalog_from("http://127.0.0.1:1/", asset_map="{nope")


def test_retries_back_off_on_5xx_and_stop_at_once_on_4xx():
    calls, waits = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise RasterioIOError("HTTP response code: 503")
        return "pixels"

    assert cog_remote.with_retries(flaky, "http://x/a.tif", attempts=4, backoff_s=1, sleep=waits.append) == "pixels"
    assert len(calls) == 3 and len(waits) == 2
    assert 1 <= waits[0] <= 1.25 and 2 <= waits[1] <= 2.5  # 1 s then 2 s, each with up to 25 % jitter
    calls.clear()

    def missing():
        calls.append(1)
        raise RasterioIOError("HTTP response code: 404")

    with pytest.raises(cog_remote.RemoteReadError, match="after 1 attempt .*404"):
        cog_remote.with_retries(missing, "http://x/a.tif", attempts=4, sleep=waits.append)
    assert len(calls) == 1


def test_the_chip_window_of_a_20_m_asset_covers_the_chip_and_knows_its_offset():
    from rasterio import Affine

    t20 = Affine(20, 0, 399960, 0, -20, 4500000)
    assert cog_remote.chip_window(t20, (399960 + 2560, 0, 0, 4500000 - 2560), 2) == (128, 128, 128, 128, 0, 0)
    assert cog_remote.chip_window(t20, (399970, 0, 0, 4500000), 2) == (0, 0, 128, 129, 0, 1)  # odd 10 m offset
    with pytest.raises(cog_remote.RemoteReadError, match="lattice"):
        cog_remote.chip_window(t20, (399965, 0, 0, 4500000), 2)


def test_a_point_gives_the_tile_grid_cell_that_holds_it():
    chip = chip_at_point(-105.0, 40.3)
    chip_xy = Transformer.from_crs(4326, 32613, always_xy=True).transform(-105.0, 40.3)
    assert chip.tile == "13TDE" and chip.epsg == 32613
    left, bottom, right, top = chip.bounds
    square_left, _, _, square_top = geo.tile_bounds("13TDE", 32613, top)  # select_chips' grid of full tiles
    assert (left - square_left) % 2560 == 0 and (square_top - top) % 2560 == 0 and right - left == 2560
    assert left <= chip_xy[0] < right and bottom <= chip_xy[1] < top
    with pytest.raises(AcquisitionError, match="2560 m a side"):
        chip_request("13TDE_00", 32613, (left, bottom, right + 10, top))
