"""SCL from a 20 m source is read onto the 10 m grid by nearest neighbour: the real L2A scene of tile 29RKH
(../shared/data/s2l2a_29RKH_20200219_decimated, every band and SCL at the 2:1 ratio of 10 m / 20 m), its pixel
values put on a 10 m / 20 m grid as the data README suggests, ingested as per-band files."""
from io import StringIO

import numpy as np
import pytest
import rasterio
from django.core.management import call_command
from rasterio.windows import Window

from imagery.lib.domain import BANDS, SCL_BAND
from imagery.models import Scene
from imagery.selectors import read_scene_window

pytestmark = pytest.mark.django_db
TEN_M = ("B02", "B03", "B04", "B08")


@pytest.fixture
def per_band_scene(shared_data, tmp_path):
    folder = shared_data / "s2l2a_29RKH_20200219_decimated"
    out = tmp_path / "T29RKH"
    out.mkdir()
    for band in BANDS + ("SCL",):
        f = 1 if band in TEN_M else 2
        with rasterio.open(folder / f"{band}.tif") as src:
            data = src.read(1, window=Window(448 // f, 0, 256 // f, 256 // f))  # SCL 2, 5, 7, 8, 10
            left, top = src.transform.c + 50_000, src.transform.f - 50_000  # inside the tile
            crs = src.crs
        transform = rasterio.Affine(10.0 * f, 0, left, 0, -10.0 * f, top)
        with rasterio.open(out / f"T29RKH_20200219_{band}.tif", "w", driver="GTiff", height=data.shape[0],
                           width=data.shape[1], count=1, dtype=data.dtype, crs=crs, transform=transform) as dst:
            dst.write(data, 1)
    with rasterio.open(out / "T29RKH_20200219_SCL.tif") as src:
        return out, src.read(1)


def test_a_20_m_scl_is_ingested_with_its_scene_by_nearest_neighbour(per_band_scene):
    folder, scl_20m = per_band_scene
    call_command("ingest_chips", str(folder), stdout=StringIO(), stderr=StringIO())
    scene = Scene.objects.get()
    assert scene.has_scl and str(scene.date) == "2020-02-19"
    got = read_scene_window(scene, (0, 0, 256, 256))[SCL_BAND]
    assert np.array_equal(got, np.repeat(np.repeat(scl_20m, 2, axis=0), 2, axis=1))
    assert set(np.unique(scl_20m)) == {2, 5, 7, 8, 10}  # real classes: dark, soil, unclassified, clouds, cirrus
