"""A database outage (Postgres refusing or cutting connections) is a 503 with Retry-After, never a 500, and
/healthz says so. The outage is a TCP proxy in front of the shared Postgres that the test closes; Postgres runs on."""
import pytest
from django.db import connection

from tests.tcp_proxy import TcpProxy


@pytest.fixture
def database_line(transactional_db):
    """This thread's database connection goes through a proxy the test can cut (`.close()`) and restore."""
    saved = {k: connection.settings_dict[k] for k in ("HOST", "PORT")}
    proxy = TcpProxy(saved["HOST"] or "127.0.0.1", int(saved["PORT"] or 5432)).open()
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
    try:
        yield proxy
    finally:
        proxy.close()
        connection.close()
        connection.settings_dict.update(saved)


def test_api_requests_answer_a_json_503_while_the_database_is_down_and_recover(api, alice, database_line):
    client = api(alice)
    assert client.get("/api/me/tasks/").status_code == 200  # through the proxy
    database_line.close()  # the open connection is cut
    cut = client.get("/api/me/tasks/")
    refused = client.get("/api/me/tasks/next/")  # a new connection is refused
    for response in (cut, refused):
        assert response.status_code == 503, response.content[:300]
        assert response["Content-Type"] == "application/json" and response["Retry-After"] == "5"
        assert response.json()["code"] == "database_unavailable"
    database_line.open()
    assert client.get("/api/me/tasks/").status_code == 200


def test_a_save_during_an_outage_is_a_503_and_its_retry_succeeds(api, alice, make_chip, assign, database_line):
    chip = make_chip()
    assign(chip, alice)
    task = chip.tasks.order_by("row", "col").first()
    client, body = api(alice), {"labels": [[6] * 32] * 32, "revision": 0}
    database_line.close()
    assert client.put(f"/api/tasks/{task.pk}/annotation/", body, format="json").status_code == 503
    database_line.open()
    saved = client.put(f"/api/tasks/{task.pk}/annotation/", body, format="json")
    assert saved.status_code == 200 and saved.json()["revision"] == 1


def test_the_labeling_page_answers_503_not_an_html_500(client, alice, database_line):
    client.force_login(alice)
    assert client.get("/label/").status_code == 200
    database_line.close()
    response = client.get("/label/")
    assert response.status_code == 503 and response["Retry-After"] == "5"


def test_healthz_checks_the_database_and_reports_the_broker(client, database_line):
    up = client.get("/healthz")
    assert up.status_code == 200 and up.json() == {"status": "ok", "database": "ok", "broker": "in-process"}
    database_line.close()
    down = client.get("/healthz")
    assert down.status_code == 503 and down["Retry-After"] == "5"
    assert down.json() == {"status": "unavailable", "database": "unavailable", "broker": "in-process"}
    database_line.open()
    assert client.get("/healthz").status_code == 200


def test_healthz_reports_a_broker_that_is_down_without_failing(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert client.get("/healthz").json()["broker"] == "ok"  # the shared Redis
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["broker"] == "unavailable"
