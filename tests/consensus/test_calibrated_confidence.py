"""Calibrated confidence stored with the run, measured on simulated annotators with known confusion matrices over
real LandCoverNet truth; confidence.tif beside labels.tif, whose band 2 stays the paper's score bit for bit."""
import io

import numpy as np
import pytest
import rasterio
from django.core.management import call_command

from annotation.lib.labels import labels_from_bytes
from consensus import run_selectors, runs
from consensus.lib import engine
from consensus.models import ConsensusLabel
from consensus.selectors import chip_consensus, submissions
from export.lib import product

from tests.consensus import simulated_campaign


@pytest.fixture
def campaign(make_chip, make_user):
    # 5 chips, every task a reference task: 320 tasks for the cross-validation (the paper has ~540)
    return simulated_campaign.build(make_chip, make_user)


def compute(*args):
    out = io.StringIO()
    call_command("compute_consensus", "--full", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_calibrated_probability_is_within_003_on_held_out_reference_tasks_for_both_methods(campaign):
    out = compute()
    fits = run_selectors.live_run().calibration
    for method in ("bayes", "dawid-skene"):
        assert fits[method]["ece"] <= 0.03, (method, fits[method]["ece"])
        assert fits[method]["n_reference_tasks"] == 320 and fits[method]["folds"] == 5
        assert f"calibration {method}: held-out ECE" in out
    assert fits["bayes"]["ece_uncalibrated"] > 0.05  # the paper's score as it is: not a probability


def test_eq1_score_is_unchanged_bit_for_bit_and_travels_in_band_2(campaign, admin_user, api):
    compute()
    chip = campaign.chips[0]
    subs = submissions([t for t in campaign.truth if t in set(chip.tasks.values_list("pk", flat=True))])
    for row in ConsensusLabel.objects.filter(task__chip=chip)[:8]:
        labels = np.stack([labels_from_bytes(a.labels) for a in subs[row.task_id]])
        want_label, want_score = engine.bayesian_consensus(labels, np.array(row.inputs["weights"]))
        assert bytes(row.score) == np.ascontiguousarray(want_score, np.float32).tobytes()
        assert bytes(row.label) == want_label.astype(np.uint8).tobytes()
    label, score, _ = chip_consensus(chip)
    client = api(admin_user)
    tif = client.get(f"/api/export/chips/{chip.pk}/labels.tif").content
    with rasterio.MemoryFile(tif) as mem, mem.open() as src:
        np.testing.assert_array_equal(src.read(2), product.score_percent(label, score))
    conf = client.get(f"/api/export/chips/{chip.pk}/confidence.tif")
    assert conf.status_code == 200
    with rasterio.MemoryFile(conf.content) as mem, mem.open() as src:
        pct = src.read(1)
        assert src.dtypes == ("uint8",) and src.nodata == 255
    run = run_selectors.live_run()
    want = np.rint(run_selectors.probability(run, "bayes", score) * 100)
    np.testing.assert_array_equal(pct[label > 0], want[label > 0])
    assert (pct[label == 0] == 255).all()
    stac = client.get(f"/api/export/chips/{chip.pk}/stac.json").json()
    assert stac["assets"]["confidence"]["href"] == "confidence.tif" and stac["properties"]["lcnet:calibrated"]
    import json
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get("/api/export/dataset.zip?partial=1").streaming_content)))
    collection = json.loads(archive.read("lcnet_labels/collection.json"))
    assert collection["lcnet:calibration"]["bayes"]["ece"] == run.calibration["bayes"]["ece"]
    assert any(n.endswith("/confidence.tif") for n in archive.namelist())


def test_a_frozen_run_keeps_its_calibration_and_the_admin_shows_it(campaign, client, admin_user):
    compute()
    first = run_selectors.live_run()
    runs.consensus_run_start(method="bayes")
    first.refresh_from_db()
    assert first.calibration["bayes"]["ece"] <= 0.03
    with pytest.raises(Exception, match="frozen"):
        runs.run_calibrate(run=first)
    client.force_login(admin_user)
    page = client.get(f"/admin/consensus/consensusrun/{first.pk}/change/").content.decode()
    assert 'alt="reliability diagram" src="data:image/png;base64,' in page and "dawid-skene: ECE" in page


def test_without_enough_reference_tasks_there_is_no_confidence_asset(make_chip, make_user, admin_user, api):
    simulated_campaign.build(make_chip, make_user, n_chips=1, reference_per_chip=5)
    assert "no calibrated confidence" in compute()
    client = api(admin_user)
    chip_id = "32NLP_00"
    assert client.get(f"/api/export/chips/{chip_id}/confidence.tif").status_code == 404
    stac = client.get(f"/api/export/chips/{chip_id}/stac.json").json()
    assert "confidence" not in stac["assets"] and stac["properties"]["lcnet:calibrated"] is False


def test_a_rerun_with_the_same_references_and_submissions_refits_nothing(campaign, monkeypatch):
    from consensus.lib import calibration
    from annotation.models import Annotation

    compute()
    fitted = []
    real = calibration.cross_validated
    monkeypatch.setattr(calibration, "cross_validated", lambda *a, **kw: fitted.append(a[0]) or real(*a, **kw))
    before = run_selectors.live_run().calibration
    compute()  # nothing changed: the stored fit is kept
    assert fitted == [] and run_selectors.live_run().calibration == before
    ann = Annotation.objects.filter(task_id__in=list(campaign.truth)).order_by("pk").first()
    labels = bytearray(ann.labels)
    labels[0] = 1 if labels[0] != 1 else 2
    Annotation.objects.filter(pk=ann.pk).update(labels=bytes(labels))  # one reference pixel judged differently
    compute()
    assert sorted(fitted) == ["bayes", "dawid-skene"]
