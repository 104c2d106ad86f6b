"""Pure tests of guesslabels.lib.model (training, metrics, prediction)."""

import numpy as np
import pytest

from guesslabels.lib import model as M


def _separable(n_per_class=200, seed=0):
    rng = np.random.default_rng(seed)
    classes = np.array([1, 5, 6])
    y = np.repeat(classes, [n_per_class // 4, n_per_class, n_per_class])
    X = rng.normal(size=(len(y), 240)).astype(np.float32) * 0.05
    X[:, :120] += y[:, None]  # half the features carry the class
    return X, y


def test_the_classifier_carries_the_papers_exact_parameters():
    p = M.make_classifier(seed=7).get_params()
    assert (p["n_estimators"], p["sampling_strategy"], p["replacement"], p["bootstrap"], p["random_state"]) == (
        2, "all", True, False, 7)


def test_training_reports_held_out_metrics_on_a_quarter_of_the_pixels():
    X, y = _separable()
    clf, metrics = M.train(X, y, seed=0)
    assert metrics["n_test"] == pytest.approx(len(y) / 4, abs=2)
    assert metrics["overall_accuracy"] > 0.95
    assert metrics["confusion_labels"] == [1, 5, 6]
    cm = np.array(metrics["confusion_matrix"])
    assert cm.sum() == metrics["n_test"] and np.trace(cm) / cm.sum() == pytest.approx(metrics["overall_accuracy"])
    assert set(metrics["per_class"]["5"]) == {"name", "precision", "recall", "f1", "support"}


def test_a_random_target_scores_near_chance_so_the_metric_can_fail():
    X, y = _separable()
    y = np.random.default_rng(1).permutation(y)
    _, metrics = M.train(X, y, seed=0)
    assert metrics["overall_accuracy"] < 0.7


def test_prediction_leaves_pixels_without_observations_as_no_data():
    X, y = _separable()
    clf, _ = M.train(X, y)
    has_obs = np.ones(len(y), bool)
    has_obs[:5] = False
    pred = M.predict(clf, X, has_obs, batch=64)
    assert pred.dtype == np.uint8 and pred[:5].tolist() == [0] * 5
    assert (pred[5:] == y[5:]).mean() > 0.95
