"""GET /api/tasks/{id}/scenes/: dates, cloud fractions, valid-pixel fraction of the task window, task box."""

import numpy as np
import pytest

from imagery.lib.domain import SCL_BAND, SCL_INVALID
from tests.imagery.layer_data import DATES, layer_chip, scene_stacks, task_of  # noqa: F401


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_scenes_are_listed_by_date_with_the_valid_fraction_of_the_task_window(admin_client, layer_chip):
    task = task_of(layer_chip, 3, 2)  # chip rows 96..127, cols 64..95
    body = admin_client.get(f"/api/tasks/{task.pk}/scenes/").json()
    assert [s["date"] for s in body["scenes"]] == [d.isoformat() for d in DATES]
    assert [s["index"] for s in body["scenes"]] == [0, 1, 2]
    assert [s["cloud_fraction"] for s in body["scenes"]] == pytest.approx([0.3, 0.7, 0.9])
    scl = scene_stacks()[0][SCL_BAND, 96:128, 64:96]
    assert body["scenes"][0]["valid_fraction"] == pytest.approx(np.mean(~np.isin(scl, SCL_INVALID)))
    assert body["scenes"][1]["valid_fraction"] == 0.0  # fully cloudy scene
    assert body["layers"] == ["rgb", "false_color", "swir", "ndvi", "ndwi"]


def test_a_no_data_task_has_no_valid_pixels_on_the_padded_scene(admin_client, layer_chip):
    body = admin_client.get(f"/api/tasks/{task_of(layer_chip, 1, 0).pk}/scenes/").json()
    assert body["scenes"][2]["valid_fraction"] == 0.0


def test_the_payload_gives_the_context_window_and_task_box(admin_client, layer_chip):
    task = task_of(layer_chip, 7, 0)  # bottom-left corner
    body = admin_client.get(f"/api/tasks/{task.pk}/scenes/", {"context": 32}).json()
    assert body["window"] == [192, 0, 64, 64]
    assert body["task_box"] == {"x": 0, "y": 32, "w": 32, "h": 32}
    assert body["task_window"] == [224, 0, 32, 32]


def test_a_context_beyond_the_chip_is_a_400_naming_the_range(admin_client, layer_chip):
    response = admin_client.get(f"/api/tasks/{task_of(layer_chip, 0, 0).pk}/scenes/", {"context": 1000})
    assert response.status_code == 400 and "less than or equal to 256" in response.content.decode()
