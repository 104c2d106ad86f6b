"""Train, evaluate and apply the per-tile guess-label model (pure: numpy + imbalanced-learn, no Django)."""

from __future__ import annotations

import numpy as np
from imblearn.ensemble import BalancedRandomForestClassifier
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, precision_recall_fscore_support

from imagery.lib.domain import CLASS_NAMES, NO_DATA
from guesslabels.lib.features import stratified_split

# The paper's model. Every sampling parameter is explicit: their defaults changed between imbalanced-learn releases.
MODEL_PARAMS = dict(n_estimators=2, sampling_strategy="all", replacement=True, bootstrap=False)
TEST_FRACTION = 0.25


def make_classifier(seed: int = 0, n_jobs: int | None = None) -> BalancedRandomForestClassifier:
    return BalancedRandomForestClassifier(**MODEL_PARAMS, random_state=seed, n_jobs=n_jobs)


def train(X: np.ndarray, y: np.ndarray, seed: int = 0, n_jobs: int | None = None):
    """Stratified 75/25 split, fit on the train part, metrics on the held-out part -> (classifier, metrics)."""
    train_idx, test_idx = stratified_split(y, TEST_FRACTION, seed)
    clf = make_classifier(seed, n_jobs).fit(X[train_idx], y[train_idx])
    metrics = evaluate(clf, X[test_idx], y[test_idx])
    metrics["n_train"], metrics["n_test"] = int(len(train_idx)), int(len(test_idx))
    return clf, metrics


def evaluate(clf, X_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Overall and balanced accuracy, per-class precision/recall/F1/support and the confusion matrix (rows = truth)."""
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
