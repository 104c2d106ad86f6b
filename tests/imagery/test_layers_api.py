"""GET /api/tasks/{id}/layers/{layer}.png: real pixel values, no data, context clipping, caching, bad input."""

import io

import numpy as np
import pytest
from PIL import Image

from imagery.lib import render
from imagery.lib.domain import BAND_INDEX
from imagery.layer_cache import scene_cache
from tests.imagery.layer_data import chip_stretch, layer_chip, source_bands, task_of  # noqa: F401


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def get_png(client, task, layer, **params):
    response = client.get(f"/api/tasks/{task.pk}/layers/{layer}.png", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA")), response


def test_ndvi_of_a_real_pixel_equals_the_value_computed_by_hand(admin_client, layer_chip):
    task = task_of(layer_chip, 2, 3)  # chip rows 64..95, cols 96..127
    image, _ = get_png(admin_client, task, "ndvi", scene=0)
    assert image.shape == (32, 32, 4)
    bands = source_bands().astype(float)
    for r, c in [(0, 0), (10, 20), (31, 31)]:
        nir, red = bands[BAND_INDEX["B08"], 64 + r, 96 + c], bands[BAND_INDEX["B04"], 64 + r, 96 + c]
        ndvi = (nir - red) / (nir + red)
        assert tuple(image[r, c]) == (*render.NDVI_LUT[int((ndvi + 1) * 127.5 + 0.5)], 255)


def test_rgb_pixels_are_b04_b03_b02_stretched_with_the_chip_low_and_high(admin_client, layer_chip):
    image, _ = get_png(admin_client, task_of(layer_chip, 5, 1), "rgb", scene=0)
    low, high = chip_stretch()
    r, c = 7, 9
    for channel, band in enumerate(("B04", "B03", "B02")):
        i = BAND_INDEX[band]
        x = (source_bands()[i, 160 + r, 32 + c] - low[i]) / (high[i] - low[i])
        assert image[r, c, channel] == int(np.clip(x, 0, 1) * 255 + 0.5)


@pytest.mark.parametrize("layer", list(render.LAYERS))
def test_an_all_no_data_window_is_transparent(admin_client, layer_chip, layer):
    image, _ = get_png(admin_client, task_of(layer_chip, 0, 0), layer, scene=2)
    assert not image.any()


def test_context_at_the_chip_edge_is_clipped_and_the_task_box_is_right(admin_client, layer_chip):
    task = task_of(layer_chip, 0, 7)  # top-right corner task
    image, response = get_png(admin_client, task, "false_color", scene=0, context=16)
    assert image.shape == (48, 48, 4)  # 16 px below and left only
    assert response["X-Task-Box"] == "16,0,32,32"  # x, y, w, h inside the image
    alone, _ = get_png(admin_client, task, "false_color", scene=0)
    np.testing.assert_array_equal(image[0:32, 16:48], alone)


def test_full_chip_context_returns_the_whole_chip(admin_client, layer_chip):
    image, response = get_png(admin_client, task_of(layer_chip, 3, 4), "swir", scene=0, context=256)
    assert image.shape == (256, 256, 4) and response["X-Task-Box"] == "128,96,32,32"


def test_cloud_tint_marks_the_cloudy_scene(admin_client, layer_chip):
    plain, _ = get_png(admin_client, task_of(layer_chip, 4, 4), "rgb", scene=1)
    tinted, _ = get_png(admin_client, task_of(layer_chip, 4, 4), "rgb", scene=1, cloud_style="tint")
    assert (tinted[..., 0] >= 127).all() and (tinted[..., 2] >= 127).all()  # half magenta everywhere
    assert (tinted != plain).any()


def test_layers_carry_a_strong_etag_and_immutable_cache_control(admin_client, layer_chip):
    task = task_of(layer_chip, 1, 1)
    _, response = get_png(admin_client, task, "rgb", scene=0, context=32)
    etag = response["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    _, other_layer = get_png(admin_client, task, "ndvi", scene=0, context=32)
    _, other_scene = get_png(admin_client, task, "rgb", scene=1, context=32)
    _, other_context = get_png(admin_client, task, "rgb", scene=0, context=8)
    assert len({etag, other_layer["ETag"], other_scene["ETag"], other_context["ETag"]}) == 4


def test_revalidation_with_the_etag_is_a_304_without_a_body(admin_client, layer_chip):
    task = task_of(layer_chip, 1, 1)
    url = f"/api/tasks/{task.pk}/layers/rgb.png?scene=0"
    etag = admin_client.get(url)["ETag"]
    again = admin_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["X-Task-Box"] == "0,0,32,32"
    assert admin_client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert admin_client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_switching_dates_layers_and_context_reads_each_scene_file_once(admin_client, layer_chip):
    task = task_of(layer_chip, 6, 2)
    for scene in (0, 1, 2):
        for layer in render.LAYERS:
            for context in (0, 32):
                get_png(admin_client, task, layer, scene=scene, context=context)
    get_png(admin_client, task_of(layer_chip, 6, 3), "rgb", scene=0)  # a neighbour task of the same chip
    assert scene_cache().misses == 3 and scene_cache().hits == 3 * 5 * 2 + 1 - 3


@pytest.mark.parametrize(
    "params, message",
    [
        ({"scene": 3}, "scene must be between 0 and 2"),
        ({"scene": -1}, "greater than or equal to 0"),
        ({"scene": "x"}, "valid integer"),
        ({"context": -1}, "greater than or equal to 0"),
        ({"context": 257}, "less than or equal to 256"),
        ({"cloud_style": "rain"}, "not a valid choice"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_valid_range(admin_client, layer_chip, params, message):
    response = admin_client.get(f"/api/tasks/{task_of(layer_chip, 1, 1).pk}/layers/rgb.png", params)
    assert response.status_code == 400 and message in response.content.decode()


def test_an_unknown_layer_is_a_404_listing_the_layers(admin_client, layer_chip):
    response = admin_client.get(f"/api/tasks/{task_of(layer_chip, 1, 1).pk}/layers/evi.png")
    assert response.status_code == 404 and "rgb, false_color, swir, ndvi, ndwi" in response.json()["detail"]


def test_a_chip_without_a_stored_stretch_uses_the_documented_default(admin_client, layer_chip):
    layer_chip.stretch_low, layer_chip.stretch_high = [], []
    layer_chip.save()
    image, _ = get_png(admin_client, task_of(layer_chip, 5, 1), "rgb", scene=0)
    lo, hi = render.DEFAULT_STRETCH
    x = (source_bands()[BAND_INDEX["B04"], 160, 32] - lo) / (hi - lo)
    assert image[0, 0, 0] == int(np.clip(x, 0, 1) * 255 + 0.5)


def test_a_warm_layer_request_costs_three_queries_session_user_task(admin_client, layer_chip,
                                                                    django_assert_num_queries):
    task = task_of(layer_chip, 2, 2)
    get_png(admin_client, task, "rgb", scene=0)
    with django_assert_num_queries(3):
        get_png(admin_client, task, "ndwi", scene=1, context=32)
