"""Dataset figures: class shares and the consensus score histogram, on real LandCoverNet labels."""
import numpy as np
import pytest
import rasterio

from export.lib.stats import DatasetStats, classes_png, scores_png


def test_class_counts_and_shares_cover_the_labeled_pixels():
    stats = DatasetStats()
    stats.add(np.array([[1, 1, 6, 0]], np.uint8), np.array([[1.0, 0.5, 0.34, 0.0]]))
    stats.add(np.array([[6]], np.uint8), np.array([[0.67]]))
    classes = {c["code"]: c for c in stats.classes()}
    assert classes[1]["pixels"] == 2 and classes[6]["pixels"] == 2 and classes[3]["pixels"] == 0
    assert classes[1]["share_pct"] == pytest.approx(50.0)
    assert sum(c["share_pct"] for c in classes.values()) == pytest.approx(100.0)


def test_score_bins_are_ten_percent_wide_and_100_falls_in_the_last_bin():
    stats = DatasetStats()
    stats.add(np.array([1, 2, 3, 4, 5], np.uint8), np.array([0.34, 0.62, 0.73, 1.0, 0.095]))
    scores = stats.scores()
    pixels = [b["pixels"] for b in scores["bins"]]
    assert pixels == [0, 1, 0, 1, 0, 0, 1, 1, 0, 1]  # 9.5 % rounds to 10 %
    assert scores["labeled_pixels"] == 5
    assert scores["share_100_pct"] == pytest.approx(20.0)
    assert scores["share_60_100_pct"] == pytest.approx(40.0)


def test_real_landcovernet_scores_cluster_where_the_paper_says(shared_data):
    """Published scores sit at 34-39 (three answers), 61-73 (two agree) and 100."""
    stats = DatasetStats()
    for chip in ("30PWT_00", "33LUD_00", "36PYV_00", "38KMA_00"):
        with rasterio.open(shared_data / "landcovernet_af_labels" / chip / "labels.tif") as src:
            cls, pct = src.read()
        stats.add(cls.astype(np.uint8), pct / 100.0)
    scores = stats.scores()
    by_low = {b["low"]: b["pixels"] for b in scores["bins"]}
    assert by_low[0] == by_low[10] == by_low[20] == by_low[80] == 0  # never below a third, nothing in 80-90
    assert by_low[30] > by_low[40] > by_low[50]
    assert scores["share_100_pct"] > 30 and scores["share_60_100_pct"] > 30
    assert scores["share_100_pct"] + scores["share_60_100_pct"] + sum(
        b["share_pct"] for b in scores["bins"] if b["low"] in (30, 40, 50)) == pytest.approx(100.0, abs=0.01)
    assert stats.class_counts.sum() == 4 * 256 * 256


def test_plots_are_png_images():
    stats = DatasetStats()
    stats.add(np.array([[1, 5, 7]], np.uint8), np.array([[1.0, 0.62, 0.34]]))
    for png in (classes_png(stats.classes()), scores_png(stats.scores())):
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_empty_stats_give_zero_shares_not_errors():
    stats = DatasetStats()
    assert stats.scores()["share_100_pct"] == 0.0 and stats.scores()["mean_score_pct"] is None
    assert all(c["share_pct"] == 0.0 for c in stats.classes())
    assert scores_png(stats.scores())[:4] == b"\x89PNG"
