"""python manage.py export_labels OUT_DIR [filters]: the zip's tree on disk, resumable."""
import json

import numpy as np
import pytest
import rasterio
from django.core.management import CommandError, call_command

from consensus.models import ConsensusLabel

ROOT = "lcnet_labels"
BASE = "https://lcnet.example.org"


def run(out, *args):
    call_command("export_labels", str(out), "--base-url", BASE, *args, verbosity=0)


def test_the_command_writes_the_tree_and_skips_unchanged_chips_on_a_second_run(make_export_chip, tmp_path, real_chip):
    make_export_chip("30PWT_00")
    make_export_chip("36PYV_00")
    run(tmp_path)
    folder = tmp_path / f"{ROOT}_30PWT_00"
    assert sorted(p.name for p in folder.iterdir()) == ["labels.tif", "source_dates.csv", "stac.json"]
    with rasterio.open(folder / "labels.tif") as src:
        np.testing.assert_array_equal(src.read(1), real_chip("30PWT_00")["label"])
    assert json.loads((tmp_path / "collection.json").read_text())["id"] == ROOT
    assert (tmp_path / "summary.csv").read_text().count("\n") == 3

    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("labels.tif")}
    ConsensusLabel.objects.filter(task__chip_id="36PYV_00", task__row=0, task__col=0).update(
        label=np.full((32, 32), 1, np.uint8).tobytes()
    )
    from io import StringIO

    out = StringIO()
    call_command("export_labels", str(tmp_path), "--base-url", BASE, stdout=out, verbosity=0)
    assert "1 written, 1 unchanged and skipped" in out.getvalue()
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("labels.tif")}
    assert after[folder / "labels.tif"] == before[folder / "labels.tif"]
    changed = tmp_path / f"{ROOT}_36PYV_00" / "labels.tif"
    assert after[changed] != before[changed]
    with rasterio.open(changed) as src:
        assert (src.read(1)[:32, :32] == 1).all()


def test_a_damaged_file_is_rewritten(make_export_chip, tmp_path):
    make_export_chip("30PWT_00")
    run(tmp_path)
    tif = tmp_path / f"{ROOT}_30PWT_00" / "labels.tif"
    good = tif.read_bytes()
    tif.write_bytes(good[:1000])  # an interrupted copy
    run(tmp_path)
    assert tif.read_bytes() == good


def test_filters_apply_and_bad_ones_are_refused_without_writing(make_export_chip, tmp_path):
    make_export_chip("30PWT_00")
    make_export_chip("36PYV_00", missing=1)
    run(tmp_path / "a", "--tile", "36PYV", "--partial")
    assert [p.name for p in (tmp_path / "a").glob(f"{ROOT}_*")] == [f"{ROOT}_36PYV_00"]
    for args in (["--tile", "XYZ"], ["--min-score-pct", "150"]):
        with pytest.raises(CommandError):
            run(tmp_path / "b", *args)
    assert not (tmp_path / "b").exists()


def test_without_a_base_url_for_the_source_links_the_command_stops_before_writing(make_export_chip, tmp_path, settings):
    make_export_chip("30PWT_00")
    settings.LCNET_PUBLIC_URL = ""
    for args in ([], ["--base-url", "lcnet.example.org"], ["--base-url", "https://lcnet.example.org/?x=1"]):
        with pytest.raises(CommandError, match="base-url"):
            call_command("export_labels", str(tmp_path / "c"), *args, verbosity=0)
    assert not (tmp_path / "c").exists()
    settings.LCNET_PUBLIC_URL = BASE
    call_command("export_labels", str(tmp_path / "c"), verbosity=0)
    item = json.loads((tmp_path / "c" / f"{ROOT}_30PWT_00" / "stac.json").read_text())
    assert item["links"][-1]["href"].startswith(f"{BASE}/api/export/chips/30PWT_00/scenes/")
