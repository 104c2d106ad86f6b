"""GET /api/tasks/{id}/pixels/{row}/{col}/series/: one pixel's bands, NDVI, NDWI, SCL and date per scene."""

import pytest

from imagery.lib.domain import BAND_INDEX, SCL_BAND
from tests.imagery.layer_data import DATES, layer_chip, scene_stacks, source_bands, task_of  # noqa: F401


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_pixel_series_holds_the_real_values_of_every_scene(admin_client, layer_chip):
    task = task_of(layer_chip, 2, 5)  # chip rows 64..95, cols 160..191
    body = admin_client.get(f"/api/tasks/{task.pk}/pixels/4/30/series/").json()
    r, c = 64 + 4, 160 + 30
    assert (body["chip_row"], body["chip_col"]) == (r, c)
    assert [p["date"] for p in body["series"]] == [d.isoformat() for d in DATES]
    first = body["series"][0]
    bands = source_bands()[:, r, c].astype(float)
    assert first["reflectance"] == pytest.approx((bands / 10000).tolist())
    nir, red, green = bands[BAND_INDEX["B08"]], bands[BAND_INDEX["B04"]], bands[BAND_INDEX["B03"]]
    assert first["ndvi"] == pytest.approx((nir - red) / (nir + red), abs=1e-6)
    assert first["ndwi"] == pytest.approx((green - nir) / (green + nir), abs=1e-6)
    assert first["scl"] == int(scene_stacks()[0][SCL_BAND, r, c])
    assert body["series"][1]["valid"] is False  # fully cloudy date
    assert body["series"][2]["scl"] is None  # that scene had no SCL


def test_a_no_data_pixel_has_null_indices_not_nan(admin_client, layer_chip):
    body = admin_client.get(f"/api/tasks/{task_of(layer_chip, 0, 0).pk}/pixels/0/0/series/").json()
    padded = body["series"][2]
    assert padded["ndvi"] is None and padded["ndwi"] is None and padded["valid"] is False
    assert padded["reflectance"] == [None] * 10


@pytest.mark.parametrize("row, col", [(32, 0), (0, 32), (-1, 5)])
def test_a_pixel_outside_the_task_is_a_400_naming_the_range(admin_client, layer_chip, row, col):
    response = admin_client.get(f"/api/tasks/{task_of(layer_chip, 1, 1).pk}/pixels/{row}/{col}/series/")
    assert response.status_code == 400 and "between 0 and 31" in response.content.decode()
