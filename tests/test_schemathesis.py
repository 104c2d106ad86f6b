"""Schemathesis against a live server: every operation of /api/schema/, all checks, as an admin and as an annotator
(token header), bounded examples. Zero server errors, zero status codes the schema does not document.

The server is pytest-django's live server on the test database, with a small campaign: a chip with real imagery
and a guess, three annotators (one has submitted, one has a draft), an expert's reference task, a consensus."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = int(os.environ.get("LCNET_SCHEMATHESIS_EXAMPLES", "5"))
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.fixture
def campaign(make_user, assign, alice, bob, carol, erin, admin_user, live_server):
    from django.core.cache import cache
    from rest_framework.authtoken.models import Token

    from annotation.services import reference_task_add
    from consensus.services import consensus_recompute
    from imagery.layer_cache import scene_cache
    from imagery.lib.domain import TASK_SIZE
    from imagery.models import Task
    from tests.frontend.page_data import make_guess, make_page_chip

    scene_cache().clear()
    cache.clear()
    chip = make_page_chip(n_scenes=3)
    make_guess(chip)
    assign(chip, alice, bob, carol)
    tasks = list(Task.objects.filter(chip=chip).order_by("row", "col")[:3])
    labels = np.full((TASK_SIZE, TASK_SIZE), 2, np.uint8).tolist()
    tokens = {u.username: Token.objects.create(user=u).key for u in (alice, bob, carol, erin, admin_user)}
    from rest_framework.test import APIClient

    for user in ("alice", "bob", "carol"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[user]}")
        for task in tasks[:2]:
            assert client.post(f"/api/tasks/{task.pk}/annotation/submit/", {"labels": labels, "revision": 0},
                               format="json").status_code == 200
    reference_task_add(task_id=tasks[2].pk, expert=erin)
    consensus_recompute()
    ids = {"tasks": [t.pk for t in Task.objects.filter(chip=chip).order_by("pk")[:8]], "chips": [chip.pk]}
    yield tokens, ids
    scene_cache().clear()


def run_schemathesis(live_server, token: str, ids: dict, folder: Path) -> tuple[str, list[dict]]:
    """The CLI, as CI or a person runs it; the campaign's ids are offered as values half of the time (a random id
    only reaches the 404 of every operation)."""
    config = folder / "schemathesis.toml"
    config.write_text("\n".join([
        "[dictionaries.tasks]", f"values = {json.dumps(ids['tasks'])}",
        "[dictionaries.chips]", f"values = {json.dumps(ids['chips'])}",
        "[parameters]",
        '"path.task_id" = { dictionary = "tasks", probability = 0.5 }',
        '"path.chip_id" = { dictionary = "chips", probability = 0.5 }',
        '"query.chip" = { dictionary = "chips", probability = 0.5 }',
    ]) + "\n")
    report = folder / "events.ndjson"
    command = [str(SCHEMATHESIS), "--config-file", str(config), "run", f"{live_server.url}/api/schema/",
               "--checks", "all", "-H", f"Authorization: Token {token}", "--max-examples", str(MAX_EXAMPLES),
               "--seed", "13", "--workers", "1", "--no-color", "--phases", "examples,coverage,fuzzing",
               "--generation-database", "none", "--report", "ndjson", "--report-ndjson-path", str(report),
               "--request-timeout", "30", "--suppress-health-check", "all"]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)
    events = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    return result.stdout + result.stderr, events


@pytest.mark.parametrize("who", ["admin", "alice"])
def test_schemathesis_finds_no_server_error_and_no_undocumented_status(campaign, live_server, tmp_path, who):
    tokens, ids = campaign
    out, events = run_schemathesis(live_server, tokens[who], ids, tmp_path)
    (Path(os.environ.get("LCNET_SCHEMATHESIS_OUT", tmp_path)) / f"schemathesis-{who}.txt").write_text(out)
    assert "Test cases:" in out, out[-5000:]
    assert "ST101" not in out and "Server error" not in out, out[-20000:]
    assert "ST103" not in out and "Undocumented status code" not in out, out[-20000:]
