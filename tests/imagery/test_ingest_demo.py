"""load_demo: all the shared sample data, one user per role, assignments, reference tasks and a real guess label
for the Slovenian tile; idempotent."""

from io import StringIO

import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from demo.setup import DEMO_ASSIGNED_CHIPS, DEMO_GUESS_TILE
from imagery.models import Chip, Scene, Task
from lcnet_site.roles import has_role

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue()


def test_load_demo_ingests_all_shared_data_prints_logins_assigns_work_trains_guesses_and_is_idempotent(client):
    out = load_demo()
    ids = set(Chip.objects.values_list("id", flat=True))
    assert {"52UEA_08", "36SWF_00", "33TVL_00", "31TCJ_00"} <= ids
    assert len([i for i in ids if i.startswith("33UUU_")]) == 18
    assert Task.objects.count() == 64 * len(ids)
    assert Scene.objects.filter(chip_id="33TVL_00").count() == 5
    for username, role in [("alice", "annotator"), ("bob", "annotator"), ("carol", "annotator"), ("erin", "expert"),
                           ("admin", "admin"), ("xavier", "exporter")]:
        assert f"{username} / {username}" in out
        user = authenticate(RequestFactory().post("/accounts/login/"), username=username, password=username)
        assert user is not None and has_role(user, role)
    # the demo chips go to the three annotators, and the expert gets reference tasks on them
    from annotation.models import Assignment, ReferenceTask

    for chip_id in DEMO_ASSIGNED_CHIPS:
        users = set(Assignment.objects.filter(chip_id=chip_id, ended_at__isnull=True).values_list("user__username", flat=True))
        assert users == {"alice", "bob", "carol"}
    refs = ReferenceTask.objects.all()
    assert refs.count() == 2 * len(DEMO_ASSIGNED_CHIPS)
    assert all(r.task.has_data and r.task.chip_id in DEMO_ASSIGNED_CHIPS for r in refs)

    # the Slovenian tile's guess labels are trained from its real land-cover map, and alice's labeling page
    # (assigned 33TVL_00) pre-fills from them
    from guesslabels.models import GuessLabel, TrainingRun

    run = TrainingRun.objects.get(tile_id=DEMO_GUESS_TILE)
    assert run.status == "done" and run.metrics["overall_accuracy"] >= 0.7, run.error
    assert f"guess labels of {DEMO_GUESS_TILE}: run {run.pk} done" in out
    assert GuessLabel.objects.get(chip_id="33TVL_00").run == run
    task = Task.objects.get(chip_id="33TVL_00", row=1, col=1)
    client.force_login(authenticate(RequestFactory().post("/accounts/login/"), username="alice", password="alice"))
    guess = client.get(f"/api/tasks/{task.pk}/guess/")
    assert guess.status_code == 200 and guess.json()["run"] == run.pk
    classes = {c for row in guess.json()["labels"] for c in row}
    assert len(guess.json()["labels"]) == 32 and classes <= {2, 5, 6, 7} and classes & {5, 6, 7}

    # every task alice opens starts from a guess, and the guess names where it came from: the tile's model on
    # 33TVL, the campaign-wide model (or the rule, where it cannot predict) elsewhere
    sources = dict(GuessLabel.objects.values_list("chip_id", "source"))
    assert set(sources) == set(Scene.objects.values_list("chip_id", flat=True))
    assert sources["33TVL_00"] == "tile" and {sources[c] for c in DEMO_ASSIGNED_CHIPS if c != "33TVL_00"} <= {
        "campaign", "rule"}
    campaign_run = TrainingRun.objects.get(source="campaign")
    assert campaign_run.status == "done" and "campaign-wide guess labels: run" in out
    alice_tasks = Task.objects.filter(chip__assignments__user__username="alice", has_data=True)
    seen = {}
    for t in alice_tasks:
        body = client.get(f"/api/tasks/{t.pk}/guess/").json()
        assert np.array(body["labels"]).shape == (32, 32) and body["source_label"], body
        seen[body["source"]] = seen.get(body["source"], 0) + 1
    assert sum(seen.values()) == alice_tasks.count() > 200 and seen["tile"] == 16, seen

    # a second run (the README's first command run again) changes nothing and trains nothing
    counts = [Chip.objects.count(), Scene.objects.count(), Assignment.objects.count(), ReferenceTask.objects.count(),
              TrainingRun.objects.count()]
    again = load_demo()
    assert "0 chip(s) created" in again and "created, 0 unchanged" not in again
    assert f"run {run.pk} already done, not trained again" in again
    assert [Chip.objects.count(), Scene.objects.count(), Assignment.objects.count(),
            ReferenceTask.objects.count(), TrainingRun.objects.count()] == counts
