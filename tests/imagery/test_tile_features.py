"""tile_features on a MODIS-like IGBP raster in MODIS's own sinusoidal CRS, then sample_tiles on its output."""
import csv
from io import StringIO

import numpy as np
import pytest
import rasterio
from django.core.management import CommandError, call_command
from pyproj import Transformer

from imagery.lib import geo
from imagery.lib.sampling import IGBP_CLASSES, read_candidates
from imagery.lib.tile_features import GRID_M, TILE_M

SINUSOIDAL = "+proj=sinu +R=6371007.181 +nadgrids=@null +wktext +units=m +no_defs"  # MCD12Q1's grid
EVERGREEN_NEEDLELEAF, GRASSLANDS, CROPLANDS, WATER = 1, 10, 12, 17


def truth(lon, lat):
    """The land cover the test raster draws: needleleaf forest west of 105.5° W, croplands east of it, grassland
    north of 40.8° N, a lake in a box."""
    cls = np.where(lon < -105.5, EVERGREEN_NEEDLELEAF, CROPLANDS)
    cls = np.where(lat > 40.8, GRASSLANDS, cls)
    return np.where((lon > -104.6) & (lon < -104.2) & (lat > 39.6) & (lat < 40.0), WATER, cls)


@pytest.fixture
def modis(tmp_path):
    """463 m sinusoidal pixels over 38.5–41.5° N, 107–103° W, fill 255 outside a ring of the box."""
    to_sin = Transformer.from_crs(4326, SINUSOIDAL, always_xy=True)
    x0, _ = to_sin.transform(-107.5, 38.5)  # sinusoidal x = R·lon·cos(lat): the box's corners far west and east
    x1, _ = to_sin.transform(-102.5, 41.5)
    _, y1 = to_sin.transform(-105, 41.5)
    _, y0 = to_sin.transform(-105, 38.5)
    size = 463.312716528
    width, height = int((x1 - x0) / size), int((y1 - y0) / size)
    transform = rasterio.Affine(size, 0, x0, 0, -size, y1)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    lon, lat = Transformer.from_crs(SINUSOIDAL, 4326, always_xy=True).transform(x0 + cols * size, y1 - rows * size)
    classes = truth(lon, lat).astype(np.uint8)
    classes[(lon < -107) | (lon > -103) | (lat < 38.6) | (lat > 41.4)] = 255
    path = tmp_path / "MCD12Q1_LC_Type1.tif"
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
                       crs=rasterio.crs.CRS.from_string(SINUSOIDAL), transform=transform, nodata=255,
                       tiled=True, compress="deflate") as dst:
        dst.write(classes, 1)
    return path


def expected_shares(tile_id):
    """Shares from the drawing rule at the centres of the tile's 500 m cells (independent of the warp)."""
    epsg = geo.tile_epsg(tile_id)
    n = int(TILE_M / GRID_M)
    probe_x, probe_y = Transformer.from_crs(4326, epsg, always_xy=True).transform(-105, 40)
    left, _, _, top = geo.tile_bounds(tile_id, epsg, probe_y)
    cols, rows = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5)
    lon, lat = Transformer.from_crs(epsg, 4326, always_xy=True).transform(left + cols * GRID_M, top - rows * GRID_M)
    cls = truth(lon, lat)
    return {name: 100 * np.mean(cls == i + 1) for i, name in enumerate(IGBP_CLASSES)}


def test_every_tile_gets_its_class_shares_centroid_and_continent_and_sample_tiles_takes_them(modis, tmp_path):
    out = tmp_path / "candidates.csv"
    call_command("tile_features", str(modis), "--out", str(out), stdout=StringIO(), verbosity=0)
    rows = {r["tile_id"]: r for r in csv.DictReader(open(out))}
    assert "13TDE" in rows and len(rows) >= 6
    for tile_id in ("13TDE", "13TEE", "13SDD"):
        row = rows[tile_id]
        assert row["continent"] == "North America" and float(row["modis_coverage_pct"]) == 100.0
        want = expected_shares(tile_id)
        for name in IGBP_CLASSES:
            assert float(row[name]) == pytest.approx(want[name], abs=1.0), (tile_id, name)
        assert sum(float(row[n]) for n in IGBP_CLASSES) == pytest.approx(100, abs=0.1)
    assert float(rows["13TEE"]["water_bodies"]) > 5  # the lake lies in 13TEE
    lon, lat = geo.to_lonlat(32613, 399960 + 54900, 4500000 - 54900)
    assert float(rows["13TDE"]["lon"]) == pytest.approx(lon, abs=0.01)
    assert float(rows["13TDE"]["lat"]) == pytest.approx(lat, abs=0.01)
    read_candidates(out)  # a valid candidate table
    sampled = tmp_path / "sampled.csv"
    call_command("sample_tiles", str(out), "--out", str(sampled), "--quota", "North America=3",
                 stdout=StringIO(), verbosity=0)
    assert len(list(csv.DictReader(open(sampled)))) == 3


def test_tiles_only_partly_in_the_raster_are_dropped_below_the_coverage(modis, tmp_path):
    out = tmp_path / "candidates.csv"
    call_command("tile_features", str(modis), "--out", str(out), "--min-coverage", "99", stdout=StringIO(),
                 verbosity=0)
    strict = {r["tile_id"] for r in csv.DictReader(open(out))}
    call_command("tile_features", str(modis), "--out", str(out), "--min-coverage", "1", stdout=StringIO(),
                 verbosity=0)
    loose = {r["tile_id"]: float(r["modis_coverage_pct"]) for r in csv.DictReader(open(out))}
    assert strict < set(loose) and all(loose[t] >= 99 for t in strict)
    assert any(v < 99 for v in loose.values())


def test_bad_input_writes_nothing(modis, tmp_path):
    out = tmp_path / "candidates.csv"
    with pytest.raises(CommandError, match="no such file"):
        call_command("tile_features", str(tmp_path / "none.tif"), "--out", str(out))
    with pytest.raises(CommandError, match="outside the raster"):
        call_command("tile_features", str(modis), "--out", str(out), "--tiles", "33UUU", stdout=StringIO())
    floats = tmp_path / "float.tif"
    with rasterio.open(floats, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:4326",
                       transform=rasterio.Affine(0.1, 0, -105, 0, -0.1, 40)) as dst:
        dst.write(np.zeros((1, 4, 4), np.float32))
    with pytest.raises(CommandError, match="integer IGBP classes"):
        call_command("tile_features", str(floats), "--out", str(out))
    assert not out.exists()
