"""Annotator accuracy with a credible interval, per-class rates, confusions in words (consensus.lib.accuracy)."""
import numpy as np
import pytest

from consensus.lib import accuracy
from tests.simulated_annotators import simulate


def test_the_interval_covers_the_known_accuracy_and_narrows_with_more_tasks():
    truth, labels, annotators, confusions = simulate(200, [0.8, 0.7, 0.9], seed=2)
    widths = []
    for n in (5, 20, 60):
        hits, px = [], []
        for t in range(n):
            slot = list(annotators[t]).index(0) if 0 in annotators[t] else None
            if slot is None:
                continue
            labeled = truth[t] > 0
            hits.append(np.count_nonzero(labels[t, slot][labeled] == truth[t][labeled]))
            px.append(np.count_nonzero(labeled))
        out = accuracy.pooled_accuracy(np.array(hits), np.array(px))
        assert out["low"] <= 0.8 <= out["high"]
        widths.append(out["high"] - out["low"])
    assert widths[0] > widths[1] > widths[2]


def test_tasks_all_right_or_all_wrong_count_as_tasks_not_pixels():
    out = accuracy.pooled_accuracy(np.array([1000, 0, 1000, 1000]), np.array([1000] * 4))
    assert out["accuracy"] == 0.75 and out["effective_pixels"] == pytest.approx(4, rel=0.01)
    assert out["high"] - out["low"] > 0.5  # four tasks say little, however many pixels
    noisy = accuracy.pooled_accuracy(np.array([750, 752, 749, 751]), np.array([1000] * 4))
    assert noisy["design_effect"] == 1.0 and noisy["high"] - noisy["low"] < 0.04


def test_class_rates_and_confusions_in_words():
    confusion = np.zeros((8, 8), int)
    confusion[6, 6], confusion[6, 7], confusion[7, 7] = 70, 30, 50
    rates = {r["code"]: r for r in accuracy.class_rates(confusion)}
    assert rates[6]["recall"] == 0.7 and rates[7]["precision"] == 50 / 80 and rates[1]["recall"] is None
    words = accuracy.top_confusions(confusion)
    assert words[0]["text"] == "of the pixels experts call cultivated vegetation, you labeled 30 % (semi) natural vegetation"


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        accuracy.pooled_accuracy(np.array([5]), np.array([4]))
