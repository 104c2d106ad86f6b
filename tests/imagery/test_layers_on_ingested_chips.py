"""The imagery endpoints on chips stored by ingest_chips from the real sample data (not hand-built COGs)."""

import io
from io import StringIO

import numpy as np
import pytest
import rasterio
from django.core.management import call_command
from PIL import Image

from imagery.lib import render
from imagery.lib.domain import BAND_INDEX
from imagery.layer_cache import clear_caches, scene_cache
from imagery.models import Chip, Task

BOUCONNE_ROWS, BOUCONNE_COLS = 246, 227  # padded to 256 by ingest: the bottom/right strip is no data


@pytest.fixture
def admin_client(client, admin_user):
    clear_caches()
    client.force_login(admin_user)
    return client


def ingest(*args):
    call_command("ingest_chips", *[str(a) for a in args], stdout=StringIO(), stderr=StringIO())


def png(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA")), response


def test_ndvi_and_rgb_of_the_ingested_chip_a_match_its_source_file(admin_client, shared_data):
    source = shared_data / "landcovernet_s2_chips" / "chipA_epsg32636_bands10.tif"
    ingest(source, "--date", "2018-06-01", "--chip-id", "36SWF_00")
    chip = Chip.objects.get(id="36SWF_00")
    task = Task.objects.get(chip=chip, row=6, col=1)  # chip rows 192..223, cols 32..63
    with rasterio.open(source) as src:
        bands = src.read().astype(float)
    ndvi_img, _ = png(admin_client, f"/api/tasks/{task.pk}/layers/ndvi.png")
    rgb_img, _ = png(admin_client, f"/api/tasks/{task.pk}/layers/rgb.png")
    for r, c in [(0, 0), (17, 5), (31, 30)]:
        b = bands[:, 192 + r, 32 + c]
        ndvi = (b[BAND_INDEX["B08"]] - b[BAND_INDEX["B04"]]) / (b[BAND_INDEX["B08"]] + b[BAND_INDEX["B04"]])
        assert tuple(ndvi_img[r, c, :3]) == tuple(render.NDVI_LUT[int((ndvi + 1) * 127.5 + 0.5)])
        i = BAND_INDEX["B04"]
        x = (b[i] - chip.stretch_low[i]) / (chip.stretch_high[i] - chip.stretch_low[i])
        assert rgb_img[r, c, 0] == int(np.clip(x, 0, 1) * 255 + 0.5)


@pytest.fixture
def bouconne(shared_data):
    ingest(shared_data / "theia_l3a_bouconne_2018")
    return Chip.objects.get(), shared_data / "theia_l3a_bouconne_2018"


def test_the_padded_edge_of_a_real_time_series_is_transparent_and_the_rest_opaque(admin_client, bouconne):
    chip, _ = bouconne
    task = Task.objects.get(chip=chip, row=7, col=7)  # chip rows/cols 224..255
    image, response = png(admin_client, f"/api/tasks/{task.pk}/layers/false_color.png", scene=3, context=16)
    assert image.shape == (48, 48, 4) and response["X-Task-Box"] == "16,16,32,32"  # clipped at the bottom right
    rows = np.arange(208, 256)[:, None]
    cols = np.arange(208, 256)[None, :]
    has_data = (rows < BOUCONNE_ROWS) & (cols < BOUCONNE_COLS)
    np.testing.assert_array_equal(image[..., 3] == 255, has_data)
    assert not image[~has_data].any()


def test_the_pixel_series_of_a_real_time_series_follows_its_seven_files(admin_client, bouconne):
    chip, folder = bouconne
    task = Task.objects.get(chip=chip, row=3, col=4)
    body = admin_client.get(f"/api/tasks/{task.pk}/pixels/10/20/series/").json()
    files = sorted(folder.glob("bouconne_*.tif"))
    assert [p["date"].replace("-", "") for p in body["series"]] == [f.stem.split("_")[1] for f in files]
    for point, path in zip(body["series"], files):
        with rasterio.open(path) as src:
            b = src.read()[:, 96 + 10, 128 + 20].astype(float)
        nir, red = b[BAND_INDEX["B08"]], b[BAND_INDEX["B04"]]
        assert point["ndvi"] == pytest.approx((nir - red) / (nir + red), abs=1e-6)
        assert point["scl"] is None and point["valid"] is True  # L3A composites: no SCL, cloud-free


def test_a_whole_chip_of_scenes_is_read_once_while_browsing(admin_client, bouconne):
    chip, _ = bouconne
    task = Task.objects.get(chip=chip, row=2, col=2)
    n = admin_client.get(f"/api/tasks/{task.pk}/scenes/").json()["scenes"]
    for k in range(len(n)):
        for layer in ("rgb", "ndvi"):
            png(admin_client, f"/api/tasks/{task.pk}/layers/{layer}.png", scene=k, context=32)
    assert scene_cache().misses == len(n) == 7
