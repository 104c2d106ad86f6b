"""Calibrated confidence: from a consensus score to the probability that the pixel's label is right (pure numpy).

The paper's score (Eq. 1) is a weighted vote share, not a probability: three annotators agreeing give 1.0 where the
label is right perhaps 97 % of the time. A calibration map is fitted on reference pixels (expert label = truth):
isotonic regression of "label right" on the score (pool-adjacent-violators), so the map is monotone and never
reorders pixels. It is stored as breakpoints (x, y) and applied by linear interpolation (JSON-safe, reproducible).

Measured without bias by cross-validation over reference *tasks*: each fold's tasks are held out of everything the
model that judges them saw (the accuracies or Dawid–Skene truth, and the calibration map).
"""
from __future__ import annotations

import numpy as np

N_BINS = 10  # reliability-diagram and ECE bins, equal width on [0, 1]


def isotonic_fit(score: np.ndarray, correct: np.ndarray, *, max_points: int = 200) -> dict:
    """Fit a monotone map score -> P(correct). Returns {"x": [...], "y": [...]} breakpoints (x increasing).

    Scores are grouped by value first (Eq. 1 scores take few distinct values), so the fit is O(distinct values).
    With more than `max_points` distinct values they are pre-binned by quantile to keep the map small.
    """
    score = np.asarray(score, np.float64).ravel()
    correct = np.asarray(correct, np.float64).ravel()
    if score.shape != correct.shape:
        raise ValueError("score and correct differ in size")
    if score.size == 0:
        raise ValueError("no reference pixel to calibrate on")
    values, inverse = np.unique(np.round(score, 6), return_inverse=True)
    weight = np.bincount(inverse, minlength=values.size).astype(np.float64)
    hits = np.bincount(inverse, weights=correct, minlength=values.size)
    if values.size > max_points:  # quantile pre-binning: contiguous groups of roughly equal weight
        edges = np.searchsorted(np.cumsum(weight) / weight.sum(), np.linspace(0, 1, max_points + 1)[1:-1])
        group = np.zeros(values.size, np.intp)
        group[np.unique(np.clip(edges, 1, values.size - 1))] = 1
        group = np.cumsum(group)
        w = np.bincount(group, weights=weight)
        values = np.bincount(group, weights=values * weight) / w
        hits, weight = np.bincount(group, weights=hits), w
    mean, w, lo, hi = _pav(hits / weight, weight)
    # Each pooled block maps to its mean; breakpoints at the block's first and last score keep steps flat.
    x, y = [], []
    for m, a, b in zip(mean, lo, hi):
        x += [float(values[a]), float(values[b])]
        y += [float(m), float(m)]
    x, keep = np.unique(np.asarray(x), return_index=True)
    return {"x": x.tolist(), "y": np.asarray(y)[keep].tolist()}


def _pav(y: np.ndarray, w: np.ndarray):
    """Pool adjacent violators: non-decreasing fit. Returns block means, weights, first and last index."""
    means, weights, first, last = [], [], [], []
    for i, (v, wt) in enumerate(zip(y, w)):
        means.append(v), weights.append(wt), first.append(i), last.append(i)
        while len(means) > 1 and means[-2] > means[-1]:
            wt = weights[-2] + weights[-1]
            v = (means[-2] * weights[-2] + means[-1] * weights[-1]) / wt
            means[-2:], weights[-2:], last[-2:] = [v], [wt], [last[-1]]
            first.pop()
    return np.array(means), np.array(weights), first, last


def identity() -> dict:
    """The map of an uncalibrated run (no reference pixel yet): confidence = score."""
    return {"x": [0.0, 1.0], "y": [0.0, 1.0]}


def apply(calibration: dict, score: np.ndarray) -> np.ndarray:
    """Calibrated probability (float32, same shape) of scores 0..1; 0 stays 0 where nothing was labeled."""
    score = np.asarray(score, np.float32)
    x, y = np.asarray(calibration["x"], np.float64), np.asarray(calibration["y"], np.float64)
    out = np.interp(score.astype(np.float64), x, y).astype(np.float32)
    out[score == 0] = 0
    return out


def ece(confidence: np.ndarray, correct: np.ndarray, *, n_bins: int = N_BINS) -> float:
    """Expected calibration error: Σ_bins (pixels in bin / all) · |mean confidence − share correct|."""
    confidence = np.asarray(confidence, np.float64).ravel()
    correct = np.asarray(correct, np.float64).ravel()
    if confidence.size == 0:
        raise ValueError("no pixel to measure calibration on")
    rows = reliability(confidence, correct, n_bins=n_bins)
    return float(sum(r["pixels"] * abs(r["confidence"] - r["accuracy"]) for r in rows if r["pixels"]) / confidence.size)


def reliability(confidence: np.ndarray, correct: np.ndarray, *, n_bins: int = N_BINS) -> list[dict]:
    """Reliability-diagram rows: per equal-width bin, its pixels, mean confidence and share correct."""
    confidence = np.asarray(confidence, np.float64).ravel()
    correct = np.asarray(correct, np.float64).ravel()
    which = np.minimum((confidence * n_bins).astype(np.intp), n_bins - 1)
    n = np.bincount(which, minlength=n_bins)
    conf = np.bincount(which, weights=confidence, minlength=n_bins)
    hit = np.bincount(which, weights=correct, minlength=n_bins)
    return [
        {"low": i / n_bins, "high": (i + 1) / n_bins, "pixels": int(n[i]),
         "confidence": float(conf[i] / n[i]) if n[i] else None, "accuracy": float(hit[i] / n[i]) if n[i] else None}
        for i in range(n_bins)
    ]


def folds(task_ids, k: int, *, seed: int = 0) -> list[list[int]]:
    """Split task ids into k folds (deterministic for a seed; fewer folds when there are fewer tasks)."""
    ids = np.array(sorted(task_ids))
    if ids.size < 2:
        raise ValueError("cross-validation needs at least two reference tasks")
    order = np.random.default_rng(seed).permutation(ids.size)
    k = min(k, ids.size)
    return [sorted(ids[order[i::k]].tolist()) for i in range(k)]


# ---------------------------------------------------------------------------------------------- cross-validation


def cross_validated(
    method: str, labels: np.ndarray, annotators: np.ndarray, truth: np.ndarray, *, k: int = 5, seed: int = 0,
    prior_accuracy: float = 0.7, min_weight: float = 1e-3,
) -> dict:
    """Calibration map and its held-out calibration error, by k-fold cross-validation over reference tasks.

    labels (T, n, P) uint8: the n annotators' labels of T reference tasks (P pixels each); a task with fewer
    annotators pads with label 0 (no label: Eq. 1 and Dawid–Skene both ignore it) and annotator id -1.
    annotators (T, n) int ids; truth (T, P) the expert labels. `method` "bayes" (weights: the mean of per-task
    accuracies, as the service computes them, the prior where none) or "dawid-skene" (expert labels held as truth).
    For fold f the model (weights or Dawid–Skene truth) and the calibration map both come from the other folds only;
    the map is fitted on the other folds' scores as that model gives them, then judges fold f.
    Returns {"x", "y"} (the map fitted on every reference task), "ece", "ece_uncalibrated", "reliability",
    "reliability_uncalibrated", "folds", "n_reference_tasks", "n_pixels".
    """
    from consensus.lib import engine  # a sibling pure module

    labels, annotators, truth = np.asarray(labels, np.uint8), np.asarray(annotators), np.asarray(truth, np.uint8)
    T = labels.shape[0]
    if annotators.shape != labels.shape[:2] or truth.shape != (T, labels.shape[2]):
        raise ValueError("labels (T, n, P), annotators (T, n) and truth (T, P) do not match")
    split = folds(range(T), k, seed=seed)

    def predict(train: np.ndarray):
        """(label, score) of every task from the model that knows only the `train` tasks' truth."""
        if method == "bayes":
            weight = _mean_task_accuracies(labels, annotators, truth, train)
            w = np.array([[weight.get(int(a), prior_accuracy) if a >= 0 else 1.0 for a in row] for row in annotators])
            w = np.clip(w, min_weight, 1.0).T[:, :, None]  # (n, T, 1)
            return engine.bayesian_consensus(labels.transpose(1, 0, 2), w)
        matrix, ids = _annotator_matrix(labels, annotators)
        reference = np.where(train[:, None], truth, 0).ravel()
        label, score, _ = engine.dawid_skene(matrix, reference, unclamped=True)
        return label.reshape(T, -1), score.reshape(T, -1)

    held_conf, held_raw, held_ok = [], [], []
    for fold in split:
        test = np.zeros(T, bool)
        test[fold] = True
        label, score = predict(~test)
        ok, px = _judged(label, truth)
        fit = isotonic_fit(score[~test][px[~test]], ok[~test][px[~test]])
        held_raw.append(score[test][px[test]])
        held_conf.append(apply(fit, held_raw[-1]))
        held_ok.append(ok[test][px[test]])
    label, score = predict(np.ones(T, bool))
    ok, px = _judged(label, truth)
    final = isotonic_fit(score[px], ok[px])
    conf, raw, hit = np.concatenate(held_conf), np.concatenate(held_raw), np.concatenate(held_ok)
    return {
        **final, "method": method, "ece": ece(conf, hit), "ece_uncalibrated": ece(raw, hit),
        "reliability": reliability(conf, hit), "reliability_uncalibrated": reliability(raw, hit),
        "folds": len(split), "n_reference_tasks": int(T), "n_pixels": int(hit.size),
    }


def _judged(label: np.ndarray, truth: np.ndarray):
    """(label right, pixel judged): judged where the expert labeled and the consensus gave a label."""
    return label == truth, (truth != 0) & (label != 0)


def _mean_task_accuracies(labels, annotators, truth, train) -> dict[int, float]:
    """{annotator: mean over the train tasks of the share of expert pixels they matched} (LandCoverNet §3.2)."""
    per: dict[int, list[float]] = {}
    expert = truth != 0
    for t in np.flatnonzero(train):
        n = int(expert[t].sum())
        if not n:
            continue
        for a, row in zip(annotators[t], labels[t]):
            if a >= 0:
                per.setdefault(int(a), []).append(float(np.count_nonzero(row[expert[t]] == truth[t][expert[t]]) / n))
    return {a: float(np.mean(v)) for a, v in per.items()}


def _annotator_matrix(labels, annotators):
    """(A, T·P) uint8: each annotator's labels on every task (0 where they did not label it)."""
    ids = sorted({int(a) for a in annotators.ravel() if a >= 0})
    row_of = {a: i for i, a in enumerate(ids)}
    T, n, P = labels.shape
    matrix = np.zeros((len(ids), T, P), np.uint8)
    for t in range(T):
        for a, row in zip(annotators[t], labels[t]):
            if a >= 0:
                matrix[row_of[int(a)], t] = row
    return matrix.reshape(len(ids), T * P), ids
