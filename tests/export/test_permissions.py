"""Only admins and exporters export; only admins see the figures; programmatic clients use a token."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

EXPORT_URLS = [
    "/api/export/chips/", "/api/export/chips/30PWT_00/labels.tif", "/api/export/chips/30PWT_00/labels.json",
    "/api/export/chips/30PWT_00/stac.json", "/api/export/chips/30PWT_00/source_dates.csv", "/api/export/dataset.zip",
]
STATS_URLS = ["/api/stats/classes/", "/api/stats/consensus-scores/", "/api/stats/classes.png",
              "/api/stats/consensus-scores.png", "/api/stats/progress/"]


@pytest.fixture
def chip(make_export_chip):
    return make_export_chip("30PWT_00")


@pytest.mark.parametrize("path", EXPORT_URLS + STATS_URLS)
def test_annotators_experts_and_anonymous_callers_are_refused(chip, alice, erin, api_as, path):
    for user in (alice, erin, None):
        assert api_as(user).get(path).status_code in (401, 403), (user, path)


@pytest.mark.parametrize("path", EXPORT_URLS)
def test_an_exporter_with_a_token_may_export(chip, xena, path):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=xena).key}")
    response = client.get(path)
    assert response.status_code == 200, path
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)


def test_a_wrong_token_is_refused(chip):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get(EXPORT_URLS[0]).status_code in (401, 403)


@pytest.mark.parametrize("path", STATS_URLS)
def test_figures_are_for_admins_not_exporters(chip, xena, admin_user, api_as, path):
    assert api_as(xena).get(path).status_code == 403
    assert api_as(admin_user).get(path).status_code == 200
