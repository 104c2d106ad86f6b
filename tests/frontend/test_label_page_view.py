"""GET /label/: login required; the page carries the palette and layers from the Python side as JSON."""
import json
import re

import pytest

from annotation.models import FlagReason
from imagery.lib.domain import CHIP_SIZE, CLASS_COLORS, CLASS_NAMES, TASK_SIZE
from imagery.lib.render import LAYERS


def page_config(html: str) -> dict:
    match = re.search(r'<script id="lcnet-config" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the config JSON is missing"
    return json.loads(match.group(1))


def test_an_anonymous_visitor_is_sent_to_the_login_form(client, db):
    response = client.get("/label/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/label/"


def test_the_page_renders_the_palette_class_names_and_layers_from_python(client, alice):
    client.force_login(alice)
    response = client.get("/label/?task=12")
    assert response.status_code == 200
    config = page_config(response.content.decode())
    assert {c["code"]: tuple(c["color"]) for c in config["classes"]} == CLASS_COLORS
    assert {c["code"]: c["name"] for c in config["classes"]} == CLASS_NAMES
    assert [layer["id"] for layer in config["layers"]][:5] == ["rgb", "false_color", "ndvi", "ndwi", "swir"]
    assert {layer["id"] for layer in config["layers"]} == set(LAYERS)
    assert config["taskSize"] == TASK_SIZE and config["chipSize"] == CHIP_SIZE and config["tasksPerSide"] == 8
    assert config["contexts"][0] == 0 and config["contexts"][-1] == CHIP_SIZE - TASK_SIZE  # the last shows the chip
    assert {r["id"] for r in config["flagReasons"]} == set(FlagReason.values)
    ndvi = next(layer for layer in config["layers"] if layer["id"] == "ndvi")
    assert ndvi["formula"] == "(B08 − B04) / (B08 + B04)" and len(ndvi["ramp"]) == 11
    assert next(layer for layer in config["layers"] if layer["id"] == "rgb")["bands"] == ["B04", "B03", "B02"]
    assert config["initialTask"] == 12 and config["user"] == {"name": "alice", "expert": False, "labeler": True}


def test_every_module_of_the_page_is_preloaded(client, alice):
    from annotation.pages import STATIC

    client.force_login(alice)
    html = client.get("/label/").content.decode()
    for module in (STATIC / "frontend").glob("*.js"):
        assert f'<link rel="modulepreload" href="/static/frontend/{module.name}">' in html, module.name


def test_admins_and_exporters_get_their_entry_points_instead_of_the_tools(client, make_user):
    client.force_login(make_user("xavier", "exporter"))
    html = client.get("/label/").content.decode()
    assert "lcnet-config" not in html and 'id="stage"' not in html and "/api/export/chips/" in html


@pytest.mark.parametrize("task", ["1;drop", "²", "١٢", "-3", "1" * 40])
def test_a_task_parameter_that_is_not_a_task_id_is_a_400(client, alice, task):
    client.force_login(alice)
    response = client.get("/label/", {"task": task})
    assert response.status_code == 400 and b"task must be a task id" in response.content


def test_an_empty_task_parameter_opens_the_queue(client, alice):
    client.force_login(alice)
    assert page_config(client.get("/label/?task=").content.decode())["initialTask"] is None
