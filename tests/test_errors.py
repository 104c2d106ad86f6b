"""One application error type: AppError, worded by the API's one exception handler and by each command."""
import ast
from pathlib import Path

import pytest
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from lcnet_site.errors import AppError, NotFound, command_error, command_line_message
from lcnet_site.exception_handler import exception_handler

REPO = Path(__file__).resolve().parent.parent
APPS = ["imagery", "guesslabels", "annotation", "consensus", "export", "demo", "lcnet_site"]


def test_a_message_names_its_field_for_each_audience():
    exc = AppError("{field} must be at least 1 (got 0)", field="max_chips")
    assert str(exc) == "max_chips must be at least 1 (got 0)"
    assert command_line_message(exc) == "--max-chips must be at least 1 (got 0)"
    assert str(command_error(exc, " — nothing was stored")) == "--max-chips must be at least 1 (got 0) — nothing was stored"


def test_the_handler_answers_with_code_detail_field_and_the_errors_extra_keys():
    class Refuse(APIView):
        authentication_classes, permission_classes = [], []

        def get(self, request):
            raise AppError("stale revision", code="stale_revision", status=409, field="labels", extra={"revision": 2})

    response = Refuse.as_view()(APIRequestFactory().get("/"))
    assert response.status_code == 409
    assert response.data == {"code": "stale_revision", "detail": "stale revision", "revision": 2, "field": "labels",
                              "labels": ["stale revision"]}
    missing = exception_handler(NotFound("No such chip."), {})
    assert missing.status_code == 404 and missing.data == {"code": "not_found", "detail": "No such chip."}


def _classes():
    for app in APPS:
        for path in (REPO / app).rglob("*.py"):
            rel = path.relative_to(REPO)
            if "migrations" in rel.parts or "lib" in rel.parts[1:2]:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef):
                    yield str(rel), node


def test_every_exception_class_of_the_apps_is_an_app_error():
    """Pure cores (*/lib/) keep their own ValueErrors (they know nothing of the app); services wrap them."""
    errors = {"AppError"}
    pending = [(f, c) for f, c in _classes()]
    for _ in range(3):  # subclasses of subclasses
        for _, node in pending:
            if any(getattr(b, "id", getattr(b, "attr", None)) in errors for b in node.bases):
                errors.add(node.name)
    bad = [f"{f}: {node.name}" for f, node in pending if node.name not in errors and any(
        getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception")) or
        getattr(b, "id", "") in {"ValueError", "RuntimeError", "Exception"} for b in node.bases)]
    assert not bad, "exception classes that are not AppErrors:\n" + "\n".join(bad)


READERS_AND_WRITERS = sorted(
    str(p.relative_to(REPO)) for app in APPS for pattern in ("*selectors.py", "services.py", "services/*.py")
    for p in (REPO / app).glob(pattern)
)


def test_the_readers_and_writers_are_found():
    assert {"imagery/layer_selectors.py", "export/selectors.py", "annotation/services/labels.py"} <= set(
        READERS_AND_WRITERS)


@pytest.mark.parametrize("module", READERS_AND_WRITERS)
def test_selectors_and_services_raise_no_http_errors(module):
    tree = ast.parse((REPO / module).read_text())
    http = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module in
            {"django.http", "rest_framework.exceptions", "rest_framework.response"}]
    assert not http, f"{module} imports {http}: raise lcnet_site.errors.AppError instead"


def test_an_unknown_api_address_is_a_json_404_and_elsewhere_the_html_page(api, alice, client):
    for caller in (api(alice), api(None)):
        response = caller.get("/api/no-such-thing/")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json() == {"code": "not_found", "detail": "No such API address."}
    assert api(alice).post("/api/tasks/1/annotation/nope/", {}).json()["code"] == "not_found"
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("compare", ["²", "٣", "99999999999999999999", "-1", "0", "x"])
def test_the_run_comparison_ignores_a_compare_that_is_not_a_run_id(admin_client, compare):
    from consensus.runs import consensus_run_start

    run = consensus_run_start(method="bayes")
    response = admin_client.get(f"/admin/consensus/consensusrun/{run.pk}/change/", {"compare": compare})
    assert response.status_code == 200
    assert "add ?compare=&lt;run id&gt; to the address" in response.content.decode()
