"""Bad input is a clear 4xx and stores nothing, never a 500: NUL bytes, oversized, deep and malformed bodies."""
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from annotation.models import Annotation, AnnotationRevision

NUL = "32NLP\x0000"


def _export_chip_routes():
    """Every route under /api/export/chips/<chip_id>/…, found in the URLconf (a new one is covered by itself)."""
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern).lstrip("^")

    routes = [r for r in walk(get_resolver().url_patterns) if r.startswith("api/export/chips/") and "chip_id" in r]
    assert len(routes) >= 5
    return routes


def _url(route):
    url = route.replace("<str:chip_id>", NUL).replace("(?P<chip_id>[^/]+)", NUL)
    return "/" + url.replace("(?P<day>\\d{4}-\\d{2}-\\d{2})\\.tif$", "2020-01-01.tif")


@pytest.fixture
def task(make_chip, alice, assign):
    chip = make_chip()
    assign(chip, alice)
    return chip.tasks.order_by("row", "col").first()


@pytest.mark.parametrize("route", _export_chip_routes())
def test_a_nul_byte_in_a_chip_id_is_a_400_on_every_export_route(api, admin_user, route):
    response = api(admin_user).get(_url(route))
    assert response.status_code == 400, (route, response.status_code)
    assert response.json()["code"] == "nul_byte"


@pytest.mark.parametrize("url", ["/api/me/tasks/?chip=32NLP%0000", "/api/export/chips/?tile=32N%00LP",
                                 "/api/me/tasks/?st%00atus=draft", "/label/?task=1%00"])
def test_a_nul_byte_in_a_query_parameter_is_a_400(client, api, alice, url):
    response = api(alice).get(url) if url.startswith("/api/") else (client.force_login(alice), client.get(url))[1]
    assert response.status_code == 400


def test_a_nul_byte_in_an_admin_search_is_a_400(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/imagery/chip/?q=32NLP%00").status_code == 400


def test_deeply_nested_json_in_a_save_is_a_json_400(api, alice, task):
    body = "[" * 50_000 + "]" * 50_000  # 100 KB: under the size limit, far over the recursion limit
    response = api(alice).put(f"/api/tasks/{task.pk}/annotation/", body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_malformed_json_is_a_json_400(api, alice, task):
    response = api(alice).put(f"/api/tasks/{task.pk}/annotation/", '{"labels": [1,', content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "JSON parse error" in response.json()["detail"]


def test_a_body_over_the_limit_is_a_json_413_without_being_parsed(api, alice, task):
    body = "{" * (10 * 1024 * 1024)  # 10 MB of malformed JSON: parsing it would answer 400, not 413
    response = api(alice).post(f"/api/tasks/{task.pk}/annotation/submit/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"code": "too_large", "detail": "the body is larger than 262144 bytes", "limit": 262144}
    assert not AnnotationRevision.objects.exists()


def test_the_body_limit_is_a_setting_and_a_real_save_fits_the_default(api, alice, task, settings):
    save = json.dumps({"labels": [[6] * 32] * 32, "revision": 0})
    assert 2000 < len(save) < settings.LCNET_API_MAX_BODY_BYTES
    client = api(alice)
    assert client.put(f"/api/tasks/{task.pk}/annotation/", save, content_type="application/json").status_code == 200
    settings.LCNET_API_MAX_BODY_BYTES = 1000
    again = json.dumps({"labels": [[5] * 32] * 32, "revision": 1})
    response = client.put(f"/api/tasks/{task.pk}/annotation/", again, content_type="application/json")
    assert response.status_code == 413 and response.json()["limit"] == 1000
    assert AnnotationRevision.objects.count() == 1


def test_a_content_length_that_is_not_a_number_is_a_400(api, alice, task):
    response = api(alice).put(f"/api/tasks/{task.pk}/annotation/", "{}", content_type="application/json",
                              CONTENT_LENGTH="12x")
    assert response.status_code == 400 and response.json()["code"] == "bad_content_length"
