"""GET /label/: login required; the page carries the palette and layers from the Python side as JSON."""
import json
import re

from imagery.lib.domain import CLASS_COLORS, CLASS_NAMES
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
    assert len({c["key"] for c in config["classes"] if c["code"]}) == 7  # one distinct hotkey a class
    assert config["initialTask"] == 12 and config["user"] == {"name": "alice", "expert": False, "labeler": True}


def test_a_task_parameter_that_is_not_a_number_is_ignored(client, alice):
    client.force_login(alice)
    assert page_config(client.get("/label/?task=1;drop").content.decode())["initialTask"] is None
