"""The release's documentation asset: `_common/documentation.pdf` beside the chips, named by every Item (as the
published LandCoverNet Items name theirs) and by the Collection; it states this release's numbers, and an unchanged
release writes the same bytes."""
import json
from datetime import date

import numpy as np
from django.core.management import call_command

from export.lib import documentation
from export.lib.stats import DatasetStats

ROOT = "lcnet_labels"


def _export(out):
    call_command("export_labels", str(out), "--base-url", "https://lcnet.example.org", verbosity=0)


def test_every_item_and_the_collection_point_at_the_pdf_written_beside_them(make_export_chip, tmp_path, shared_data):
    make_export_chip("30PWT_00")
    _export(tmp_path)
    pdf = (tmp_path / "_common" / "documentation.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 3
    item_folder = tmp_path / f"{ROOT}_30PWT_00"
    asset = json.loads((item_folder / "stac.json").read_text())["assets"]["documentation"]
    assert asset["type"] == "application/pdf" and (item_folder / asset["href"]).resolve().read_bytes() == pdf
    published = json.loads((shared_data / "landcovernet_af_labels" / "30PWT_00" / "stac.json").read_text())
    assert asset["href"] == published["assets"]["documentation"]["href"]  # the published layout
    collection = json.loads((tmp_path / "collection.json").read_text())
    assert (tmp_path / collection["assets"]["documentation"]["href"]).read_bytes() == pdf

    _export(tmp_path)  # nothing changed: the same file, byte for byte
    assert (tmp_path / "_common" / "documentation.pdf").read_bytes() == pdf


def _stats():
    stats = DatasetStats()
    label = np.repeat(np.array([1, 6, 7, 0], np.uint8), 16).reshape(8, 8)
    stats.add(label, np.where(label > 0, 0.75, 0).astype(np.float32))
    return stats


def test_the_text_states_the_release_its_score_and_its_calibration():
    fit = {"bayes": {"ece": 0.0123, "ece_uncalibrated": 0.145, "n_reference_tasks": 42, "n_pixels": 43008}}
    lines = "\n".join(documentation._text("my_labels", 7, 12, (date(2024, 1, 3), date(2024, 12, 28)), "CC-BY-4.0",
                                          fit, _stats()))
    assert "my_labels" in lines and "consensus run 7" in lines and "12 chips" in lines
    assert "2024-01-03 to 2024-12-28" in lines
    assert "bayes: ECE 0.0123 calibrated, 0.1450 for the raw score; 42 reference tasks, 43,008 pixels" in lines
    assert "0.0 % of labeled pixels at 100 %, 100.0 % in 60-100 %, mean 75.0 %" in lines
    bare = "\n".join(documentation._text("my_labels", None, 0, (None, None), "CC-BY-4.0", {}, DatasetStats()))
    assert "Not calibrated" in bare and "ECE" not in bare


def test_the_bytes_depend_only_on_the_inputs():
    make = lambda run: documentation.documentation_pdf(  # noqa: E731
        collection_id="x", run_id=run, n_chips=1, interval=(None, None), license="CC0-1.0", calibration={},
        stats=_stats())
    assert make(1) == make(1) and make(1) != make(2)


def test_a_web_process_making_many_releases_keeps_nothing_of_them():
    """Each PDF's figures are closed and collected at once (pyplot would keep them, cycles would wait for gc)."""
    import tracemalloc

    make = lambda: documentation.documentation_pdf(  # noqa: E731
        collection_id="x", run_id=1, n_chips=1, interval=(None, None), license="CC0-1.0", calibration={},
        stats=_stats())
    make()  # fonts of the first use
    tracemalloc.start()
    try:
        make()  # caches that fill once (text layout, glyphs)
        after_one = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            make()
        grown = tracemalloc.get_traced_memory()[0] - after_one
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, f"{grown / 2**20:.2f} MiB more after five more PDFs"
