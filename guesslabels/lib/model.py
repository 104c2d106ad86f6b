"""Train, evaluate and apply the per-tile guess-label model (pure: numpy + imbalanced-learn, no Django)."""

from __future__ import annotations

import numpy as np

from imagery.lib.domain import CLASS_NAMES, NO_DATA
from guesslabels.lib.features import SPLIT_BLOCK, spatial_split, stratified_split

# The paper's model. Every sampling parameter is explicit: their defaults changed between imbalanced-learn releases.
MODEL_PARAMS = dict(n_estimators=2, sampling_strategy="all", replacement=True, bootstrap=False)
TEST_FRACTION = 0.25


# Runs that learn from people's labels (consensus). Their rare classes come as a few pixels (a strip of road, a
# field): the paper's forest undersamples every class to the rarest one per tree, so two trees would learn from a
# handful of pixels each (on the Slovenian patch it fell below the rule-based guess). A larger forest weighted by
# class keeps every pixel and still gives rare classes their weight.
HUMAN_MODEL_PARAMS = dict(n_estimators=24, min_samples_leaf=2, class_weight="balanced_subsample")


# scikit-learn and imbalanced-learn are imported where a forest is made or scored, not with this module: they
# weigh ~110 MB of memory and ~2 s of start-up, and every web and worker process imports this module (through
# guesslabels.services) while only a training job needs them (a stored forest imports them as it is unpickled).


def make_classifier(seed: int = 0, n_jobs: int | None = None, human: bool = False):
    from imblearn.ensemble import BalancedRandomForestClassifier
    from sklearn.ensemble import RandomForestClassifier

    if human:
        return RandomForestClassifier(**HUMAN_MODEL_PARAMS, random_state=seed, n_jobs=n_jobs)
    return BalancedRandomForestClassifier(**MODEL_PARAMS, random_state=seed, n_jobs=n_jobs)


def model_params(human: bool = False) -> dict:
    return {"model": "RandomForestClassifier", **HUMAN_MODEL_PARAMS} if human else \
        {"model": "BalancedRandomForestClassifier", **MODEL_PARAMS}


def train(X: np.ndarray, y: np.ndarray, seed: int = 0, n_jobs: int | None = None, groups: np.ndarray | None = None,
          human: bool = False):
    """Fit on 75 %, metrics on the held-out 25 % -> (classifier, metrics).

    With groups (block ids, features.pixel_blocks) the split keeps blocks whole (`split: "spatial"`): the headline
    figure for autocorrelated imagery. The random-pixel figure (stratified by class, as the paper) is reported
    beside it under `random_pixel`, from a second fit of the same forest. Without groups: the random split only.
    human: the forest for people's labels (HUMAN_MODEL_PARAMS) instead of the paper's."""
    fit = dict(seed=seed, n_jobs=n_jobs, human=human)
    if groups is None:
        return _fit_and_test(X, y, *stratified_split(y, TEST_FRACTION, seed), split="random pixels", **fit)
    clf, metrics = _fit_and_test(X, y, *spatial_split(y, groups, TEST_FRACTION, seed),
                                 split=f"spatial, blocks of {SPLIT_BLOCK}x{SPLIT_BLOCK} px", **fit)
    try:
        _, random = _fit_and_test(X, y, *stratified_split(y, TEST_FRACTION, seed), split="random pixels", **fit)
        metrics["random_pixel"] = {k: random[k] for k in ("overall_accuracy", "balanced_accuracy", "n_test")}
    except ValueError as exc:  # e.g. a class of one pixel: no random split, the spatial figure stands alone
        metrics["random_pixel"] = {"error": str(exc)}
    test_blocks = np.unique(groups[metrics.pop("_test_idx")])
    metrics["n_test_blocks"], metrics["n_blocks"] = int(len(test_blocks)), int(len(np.unique(groups)))
    return clf, metrics


def _fit_and_test(X, y, train_idx, test_idx, *, seed, n_jobs, human, split: str):
    clf = make_classifier(seed, n_jobs, human).fit(X[train_idx], y[train_idx])
    metrics = evaluate(clf, X[test_idx], y[test_idx])
    metrics["n_train"], metrics["n_test"], metrics["split"] = int(len(train_idx)), int(len(test_idx)), split
    metrics["untested_classes"] = sorted(set(np.unique(y[train_idx]).tolist()) - set(np.unique(y[test_idx]).tolist()))
    metrics["_test_idx"] = test_idx
    if split == "random pixels":
        metrics.pop("_test_idx")
    return clf, metrics


def evaluate(clf, X_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Overall and balanced accuracy, per-class precision/recall/F1/support and the confusion matrix (rows = truth)."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, precision_recall_fscore_support

    labels = [int(c) for c in clf.classes_]
    y_pred = clf.predict(X_test)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_test, y_pred, labels=labels, zero_division=0
    )
    per_class = {
        str(c): {
            "name": CLASS_NAMES[c],
            "precision": float(p),
            "recall": float(r),
            "f1": float(f),
            "support": int(s),
        }
        for c, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    return {
        "overall_accuracy": float(accuracy_score(y_test, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_test, y_pred)),  # mean recall: fair to rare classes
        "per_class": per_class,
        "confusion_labels": labels,
        "confusion_matrix": confusion_matrix(y_test, y_pred, labels=labels).tolist(),
    }


def predict(clf, X: np.ndarray, has_obs: np.ndarray, batch: int = 262_144) -> np.ndarray:
    """(N,) uint8 classes; NO_DATA where a pixel had no valid observation. Every pixel goes through the forest
    (cheaper than gathering the valid rows of a (N, 240) array) in slices, which are views, to bound memory."""
    out = np.empty(len(X), dtype=np.uint8)
    for start in range(0, len(X), batch):
        out[start : start + batch] = clf.predict(X[start : start + batch])
    out[~has_obs] = NO_DATA
    return out
