"""Versioned consensus runs: a new run keeps the old one, runs reproduce from what they recorded, the admin compares
two runs and chooses the exported one, and an older run stays exportable."""
import io
import json
import zipfile

import numpy as np
import pytest
import rasterio
from django.core.management import CommandError, call_command

from annotation.models import Assignment
from annotation.lib.labels import labels_from_bytes
from consensus import run_selectors, runs, services
from consensus.models import ConsensusLabel, ConsensusVersion
from consensus.selectors import chip_consensus
from imagery.models import Task

from tests.consensus.conftest import filled


@pytest.fixture
def tasks(chip):
    return list(Task.objects.filter(chip=chip).order_by("row", "col")[:4])


def label_of(run, task):
    row = run_selectors.run_rows(run, task_ids=[task.pk]).get(task.pk)
    return None if row is None else labels_from_bytes(row.label)


def command(*args):
    out = io.StringIO()
    call_command("compute_consensus", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def two_runs(crew, tasks, submit):
    """Run 1: every task labeled 2 by two of three annotators; run 2: on tasks[0] the third joins them on 3 → 3 wins."""
    for t in tasks:
        for user, value in zip(crew, (2, 2, 3)):
            submit(t, user, filled(value))
    services.consensus_recompute(task_ids=[t.pk for t in tasks])
    first = run_selectors.live_run()
    second = runs.consensus_run_start(method="bayes", note="after a correction")
    submit(tasks[0], crew[0], filled(3))
    submit(tasks[0], crew[1], filled(3))
    assert services.consensus_recompute(task_ids=[t.pk for t in tasks]) == 1  # only the task that changed
    first.refresh_from_db()
    return first, second


def test_a_new_run_keeps_the_previous_one_and_stores_only_what_changed(two_runs, tasks, chip):
    first, second = two_runs
    assert not first.live and first.frozen_at is not None and second.live and second.parent == first
    assert np.all(label_of(first, tasks[0]) == 2) and np.all(label_of(second, tasks[0]) == 3)
    assert all(np.all(label_of(first, t) == 2) and np.all(label_of(second, t) == 2) for t in tasks[1:])
    # copy-on-write: one version kept for run 1 (the overwritten task), nothing copied for the three others
    assert list(ConsensusVersion.objects.values_list("run_id", "task_id")) == [(first.pk, tasks[0].pk)]
    label, _, _ = chip_consensus(chip, run=first)
    assert np.all(label[:32, :32] == 2)
    assert np.all(chip_consensus(chip)[0][:32, :32] == 3)


def test_a_task_that_loses_its_consensus_keeps_it_in_the_older_run(two_runs, tasks, crew, chip):
    first, second = two_runs
    third = runs.consensus_run_start(method="bayes")
    Assignment.objects.filter(chip=chip, user=crew[2]).delete()
    services.chip_consensus_recompute(chip_id=chip.pk)
    second.refresh_from_db()
    assert not ConsensusLabel.objects.exists()
    assert label_of(third, tasks[1]) is None
    assert np.all(label_of(second, tasks[0]) == 3) and np.all(label_of(first, tasks[0]) == 2)
    assert np.all(label_of(second, tasks[1]) == 2)


def test_runs_reproduce_from_what_they_recorded_byte_for_byte(two_runs, tasks):
    first, second = two_runs
    assert "identical bytes" in command("--reproduce", str(first.pk))
    assert "identical bytes" in command("--reproduce", str(second.pk))
    # a stored byte that its inputs do not give is caught: the check can fail
    version = ConsensusVersion.objects.get(run=first)
    score = bytearray(version.score)
    score[0] ^= 1
    ConsensusVersion.objects.filter(pk=version.pk).update(score=bytes(score))
    with pytest.raises(CommandError, match="1 of 4 tasks differ"):
        command("--reproduce", str(first.pk))
    with pytest.raises(CommandError, match="no consensus run 999"):
        command("--reproduce", "999")


def test_dawid_skene_runs_reproduce_too_and_a_method_change_is_a_new_run(two_runs, tasks, chip, expert_submit, erin):
    first, second = two_runs
    expert_submit(tasks[3], erin, filled(3))
    services.consensus_recompute(method="dawid-skene", tile_id=chip.tile_id)
    ds = run_selectors.live_run()
    second.refresh_from_db()
    assert ds.method == "dawid-skene" and ds.parent == second and ds.tile_fits.count() == 1
    assert "identical bytes" in command("--reproduce", str(ds.pk))
    assert "identical bytes" in command("--reproduce", str(second.pk))  # bayes rows kept as run 2's versions


def test_the_new_run_command_starts_a_run(crew, tasks, submit):
    for t in tasks:
        for user, value in zip(crew, (1, 1, 1)):
            submit(t, user, filled(value))
    command()
    first = run_selectors.live_run()
    out = command("--new-run", "--note", "weekly")
    new = run_selectors.live_run()
    assert f"run {new.pk} started (parent {first.pk})" in out and "0 consensus labels written" in out
    assert new.note == "weekly" and not ConsensusVersion.objects.exists()


def test_comparing_two_runs_counts_changed_pixels_per_class(two_runs):
    first, second = two_runs
    diff = run_selectors.runs_compare(first, second)
    assert diff["pixels_changed"] == 1024 and diff["tasks_changed"] == 1 and diff["tasks_compared"] == 1
    woody = {c["code"]: c for c in diff["per_class"]}
    assert woody[2]["changed_from"] == 1024 and woody[3]["changed_to"] == 1024


def test_the_admin_compares_runs_and_chooses_the_exported_one(two_runs, admin_user, client):
    first, second = two_runs
    client.force_login(admin_user)
    page = client.get(f"/admin/consensus/consensusrun/{second.pk}/change/").content.decode()
    assert f"run {first.pk} → run {second.pk}: 1024 pixels changed in 1 of 1 tasks compared" in page
    assert client.get(f"/admin/consensus/consensusrun/{second.pk}/change/?compare=x").status_code == 200
    client.post("/admin/consensus/consensusrun/", {"action": "export_this_run", "_selected_action": [first.pk]})
    assert run_selectors.exported_run() == first


def test_an_older_run_stays_exportable_and_the_export_names_its_run(two_runs, chip, admin_user, api, tmp_path):
    first, second = two_runs
    client = api(admin_user)
    stac = client.get(f"/api/export/chips/{chip.pk}/stac.json?partial=1").json()
    assert stac["properties"]["lcnet:consensus_run"] == second.pk
    runs.consensus_run_export_choose(run_id=first.pk)
    response = client.get(f"/api/export/chips/{chip.pk}/labels.tif?partial=1")
    with rasterio.MemoryFile(response.content) as mem, mem.open() as src:
        assert np.all(src.read(1)[:32, :32] == 2)  # run 1's label of tasks[0], not the live 3
    stac = client.get(f"/api/export/chips/{chip.pk}/stac.json?partial=1").json()
    assert stac["properties"]["lcnet:consensus_run"] == first.pk
    listed = client.get("/api/export/chips/?partial=1").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["id"], r["n_done"]) for r in rows] == [(chip.pk, 4)]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get("/api/export/dataset.zip?partial=1").streaming_content)))
    collection = json.loads(archive.read("lcnet_labels/collection.json"))
    assert collection["lcnet:consensus_run"] == first.pk
    call_command("export_labels", str(tmp_path), "--base-url", "https://x.org", "--partial", "--run",
                 str(second.pk), verbosity=0)
    with rasterio.open(next(tmp_path.rglob("labels.tif"))) as src:
        assert np.all(src.read(1)[:32, :32] == 3)
