"""imagery.lib.geo: MGRS tile ids, tile extents and continents (pure)."""

import numpy as np
import pytest
import rasterio

from imagery.lib import geo

# Real LandCoverNet label chips: their published ids name the tile, so they check the grid arithmetic.
LANDCOVERNET_CHIPS = ["30PWT_00", "33LUD_00", "36PYV_00", "38KMA_00"]


@pytest.fixture(scope="module")
def data_dir():
    from lcnet_site.sample_data import shared_data_dir

    return shared_data_dir()


@pytest.mark.parametrize("chip", LANDCOVERNET_CHIPS)
def test_tile_of_a_published_landcovernet_chip_matches_its_id(data_dir, chip):
    with rasterio.open(data_dir / "landcovernet_af_labels" / chip / "labels.tif") as src:
        epsg, bounds = src.crs.to_epsg(), tuple(src.bounds)
    assert geo.tile_of_bounds(epsg, bounds) == chip.split("_")[0]
    geo.check_in_tile(chip.split("_")[0], epsg, bounds)


def test_tile_of_the_named_landcovernet_source_chip_is_52uea():
    bounds = geo.bounds_of((10, 0, 593540, 0, -10, 5526400), 256, 256)
    assert geo.tile_of_bounds(32652, bounds) == "52UEA"


def test_chip_crossing_a_square_top_edge_belongs_to_the_tile_to_the_north():
    # chipA's top (4,000,680 m) is above the 4,000 km square edge: 36SWF's southern overlap holds it.
    bounds = geo.bounds_of((10, 0, 545720, 0, -10, 4000680), 256, 256)
    assert geo.tile_id(32636, *[(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2]) == "36SWE"
    assert geo.tile_of_bounds(32636, bounds) == "36SWF"
    geo.check_in_tile("36SWF", 32636, bounds)
    with pytest.raises(geo.GeoError, match="outside tile 36SWE"):
        geo.check_in_tile("36SWE", 32636, bounds)


def test_known_tiles_of_europe():
    assert geo.tile_id(32633, 337680, 5818200) == "33UUU"  # Brandenburg scene
    assert geo.tile_id(32631, 357175, 4834450) == "31TCJ"  # Bouconne, Toulouse


def test_tile_bounds_are_the_square_grown_9800_m_east_and_south():
    assert geo.tile_bounds("33UUU", 32633, 5818200) == (300000, 5790200, 409800, 5900000)


def test_southern_hemisphere_tile_bounds_use_the_false_northing():
    left, bottom, right, top = geo.tile_bounds("33LUD", 32733, 8345000)
    assert (left, top) == (300000, 8400000)


def test_chip_in_another_zone_or_far_away_is_outside_the_tile():
    bounds = geo.bounds_of((10, 0, 593540, 0, -10, 5526400), 256, 256)
    with pytest.raises(geo.GeoError, match="zone"):
        geo.check_in_tile("33UUU", 32652, bounds)
    with pytest.raises(geo.GeoError, match="outside tile 52UFA"):
        geo.check_in_tile("52UFA", 32652, bounds)
    with pytest.raises(geo.GeoError, match="outside tile 52TEA"):  # same letters, wrong latitude band
        geo.check_in_tile("52TEA", 32652, bounds)


@pytest.mark.parametrize("text,expected", [("T33UUU", "33UUU"), ("33uuu", "33UUU"), ("4QFJ", "04QFJ")])
def test_tile_ids_are_normalised(text, expected):
    assert geo.parse_tile_id(text) == expected


@pytest.mark.parametrize("text", ["33UU", "61UUU", "33IUU", "XYZ", ""])
def test_malformed_tile_ids_are_rejected(text):
    with pytest.raises(geo.GeoError):
        geo.parse_tile_id(text)


def test_non_utm_crs_is_rejected():
    with pytest.raises(geo.GeoError, match="not a WGS 84 / UTM"):
        geo.utm_zone(4326)


@pytest.mark.parametrize("tile,epsg", [("33UUU", 32633), ("4QFJ", 32604), ("38KMA", 32738), ("60CWS", 32760)])
def test_a_tile_id_implies_its_utm_epsg_and_back(tile, epsg):
    assert geo.tile_epsg(tile) == epsg
    assert geo.utm_epsg(*geo.utm_zone(epsg)) == epsg


def test_a_utm_zone_outside_1_to_60_is_rejected():
    with pytest.raises(geo.GeoError, match="zone 61"):
        geo.utm_epsg(61, True)


def test_continents_of_the_sample_places():
    lon = np.array([33.52, 130.32, 14.56, 1.23, 12.61, -2.49, 35.54, 44.75, -100.0, -60.0, 135.0, 0.0])
    lat = np.array([36.14, 49.87, 45.87, 43.65, 52.49, 11.04, 12.95, -21.74, 40.0, -10.0, -25.0, -70.0])
    assert list(geo.continent(lon, lat)) == [
        "Asia", "Asia", "Europe", "Europe", "Europe", "Africa", "Africa", "Africa",
        "North America", "South America", "Australia", "Antarctica",
    ]
    assert geo.continent(10.0, 50.0) == "Europe"


def test_bounds_of_a_north_up_grid():
    assert geo.bounds_of((10, 0, 100, 0, -10, 1000), 256, 128) == (100, 1000 - 2560, 100 + 1280, 1000)
