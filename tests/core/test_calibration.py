"""Calibrated confidence on simulated annotators with known confusion matrices labeling real LandCoverNet truth."""
import numpy as np
import pytest

from consensus.lib import calibration, engine
from tests.simulated_annotators import simulate

ACCURACIES = [0.90, 0.73, 0.69, 0.80]  # the three, and a fourth so that tasks get different trios


@pytest.fixture(scope="module")
def simulated():
    return simulate(300, ACCURACIES, seed=1)


@pytest.mark.parametrize("method", ["bayes", "dawid-skene"])
def test_calibrated_probability_is_within_003_of_the_truth_on_held_out_reference_tasks(simulated, method):
    truth, labels, annotators, _ = simulated
    result = calibration.cross_validated(method, labels, annotators, truth, k=5)
    assert result["folds"] == 5 and result["n_pixels"] > 250_000
    assert result["ece"] <= 0.03
    used = [r for r in result["reliability"] if r["pixels"]]
    assert sum(r["pixels"] for r in used) == result["n_pixels"]


def test_the_papers_score_is_not_a_probability_and_calibration_fixes_it(simulated):
    truth, labels, annotators, _ = simulated
    result = calibration.cross_validated("bayes", labels, annotators, truth, k=5)
    assert result["ece_uncalibrated"] > 0.05  # Eq. 1's vote share: far from the share of right labels
    assert result["ece"] < result["ece_uncalibrated"] / 5


def test_a_fold_is_judged_by_a_model_that_never_saw_it(simulated):
    """Change the experts' truth of one fold's tasks: the predictions that judge that fold must not move."""
    truth, labels, annotators, _ = simulated
    fold = calibration.folds(range(len(truth)), 5)[0]
    seen = []

    def run(t):
        out = calibration.cross_validated("bayes", labels, annotators, t, k=5)
        seen.append(out)
        return out

    base = run(truth)
    spoiled = truth.copy()
    spoiled[fold] = np.where(spoiled[fold] > 0, 1, 0)  # the fold's experts now call everything water
    changed = run(spoiled)
    # The fold's own held-out pixels are judged against its (spoiled) truth, but everything else is the same model:
    # the other folds' calibration (fitted partly on the fold) changes, so compare the fold's confidence instead.
    assert base["n_pixels"] == changed["n_pixels"]
    assert changed["ece"] > base["ece"]  # spoiled truth is judged, and found badly calibrated


def test_isotonic_map_is_monotone_and_recovers_a_known_curve():
    rng = np.random.default_rng(0)
    score = rng.random(200_000)
    correct = rng.random(score.size) < score**2  # true P(right | score) = score²
    fit = calibration.isotonic_fit(score, correct)
    assert np.all(np.diff(fit["y"]) >= 0) and np.all(np.diff(fit["x"]) > 0)
    grid = np.linspace(0.05, 0.95, 10, dtype=np.float32)
    np.testing.assert_allclose(calibration.apply(fit, grid), grid**2, atol=0.03)
    assert calibration.ece(calibration.apply(fit, score), correct) < 0.01
    assert calibration.ece(score, correct) > 0.1


def test_apply_keeps_unlabeled_pixels_at_zero_and_identity_is_the_score():
    score = np.array([[0, 0.25], [0.5, 1.0]], np.float32)
    np.testing.assert_array_equal(calibration.apply(calibration.identity(), score), score)
    assert calibration.apply({"x": [0.2, 1.0], "y": [0.6, 0.9]}, score)[0, 0] == 0


def test_folds_partition_the_tasks_deterministically():
    parts = calibration.folds(range(23), 5, seed=3)
    assert sorted(sum(parts, [])) == list(range(23)) and len(parts) == 5
    assert parts == calibration.folds(range(23), 5, seed=3)
    with pytest.raises(ValueError):
        calibration.folds([1], 5)


def test_unclamped_dawid_skene_equals_clamped_away_from_reference_pixels(simulated):
    truth, labels, annotators, _ = simulated
    matrix, _ = calibration._annotator_matrix(labels[:60], annotators[:60])
    reference = np.zeros((60, truth.shape[1]), np.uint8)
    reference[:20] = truth[:20]
    clamped = engine.dawid_skene(matrix, reference.ravel())
    free = engine.dawid_skene(matrix, reference.ravel(), unclamped=True)
    away = reference.ravel() == 0
    np.testing.assert_array_equal(clamped[0][away], free[0][away])
    np.testing.assert_array_equal(clamped[1][away], free[1][away])
    on = ~away & (matrix != 0).any(axis=0)
    assert np.all(clamped[1][on] == 1) and free[1][on].mean() < 0.999  # the expert held as truth vs the model
