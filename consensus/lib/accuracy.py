"""Annotator accuracy with its uncertainty (pure numpy/scipy).

Pixels of one task are not independent draws (an annotator who mistakes a field for grassland does it on the whole
field), so the interval counts *effective* pixels: the pooled pixel count divided by the design effect that the
spread of per-task accuracies shows (1 when tasks agree as binomial noise predicts; up to the pixels per task when
each task is all right or all wrong). The credible interval is that of a Beta(1 + k, 1 + n − k) posterior
(uniform prior) over those effective counts.
"""
from __future__ import annotations

import numpy as np
from scipy.special import betaincinv  # the Beta quantile (stats.beta.ppf's own), without scipy.stats' 23 MB

from imagery.lib.domain import CLASS_NAMES, NO_DATA


def pooled_accuracy(correct: np.ndarray, pixels: np.ndarray, *, level: float = 0.95) -> dict:
    """`correct`, `pixels`: per reference task, expert pixels the annotator matched and expert pixels in all.

    Returns accuracy (pooled), low, high (equal-tailed credible interval), effective_pixels, design_effect.
    """
    correct = np.asarray(correct, np.float64)
    pixels = np.asarray(pixels, np.float64)
    if correct.shape != pixels.shape or pixels.size == 0 or np.any(pixels <= 0) or np.any(correct > pixels):
        raise ValueError("need per-task correct ≤ pixels, pixels > 0, at least one task")
    total = pixels.sum()
    p = correct.sum() / total
    per_task = correct / pixels
    mean_n = total / pixels.size
    if pixels.size > 1 and 0 < p < 1:
        spread = np.sum(pixels * (per_task - p) ** 2) / (total * (pixels.size - 1) / pixels.size)
        deff = float(np.clip(spread / (p * (1 - p) / mean_n), 1.0, mean_n))
    else:
        deff = float(mean_n)  # one task (or all perfect): nothing shows pixels are independent: count tasks
    n_eff = total / deff
    a, b = 1 + p * n_eff, 1 + (1 - p) * n_eff
    tail = (1 - level) / 2
    return {"accuracy": float(p), "low": float(betaincinv(a, b, tail)), "high": float(betaincinv(a, b, 1 - tail)),
            "effective_pixels": float(n_eff), "design_effect": deff}


def class_rates(confusion) -> list[dict]:
    """Per class 1..7 from an 8×8 confusion (rows expert, columns annotator): recall and precision (None: no pixel)."""
    counts = np.asarray(confusion, np.float64)
    rows = []
    for c in range(1, counts.shape[0]):
        expert, labeled = counts[c, :].sum(), counts[1:, c].sum()  # precision over pixels the expert labeled
        rows.append({"code": c, "name": CLASS_NAMES[c], "expert_pixels": int(expert),
                     "recall": float(counts[c, c] / expert) if expert else None,
                     "precision": float(counts[c, c] / labeled) if labeled else None})
    return rows


def top_confusions(confusion, *, limit: int = 3, min_share: float = 0.05) -> list[dict]:
    """The most frequent confusions, in words: "of the pixels experts call X, you labeled S % Y"."""
    counts = np.asarray(confusion, np.float64)
    found = []
    for true in range(1, counts.shape[0]):
        expert = counts[true, :].sum()
        if not expert:
            continue
        for given in range(counts.shape[1]):
            if given == true:
                continue
            share = counts[true, given] / expert
            if share >= min_share:
                name = CLASS_NAMES[given].lower() if given != NO_DATA else "nothing"
                found.append({
                    "expert_class": true, "your_class": given, "share_pct": round(100 * share, 1),
                    "pixels": int(counts[true, given]),
                    "text": f"of the pixels experts call {CLASS_NAMES[true].lower()}, you labeled "
                            f"{100 * share:.0f} % {name}",
                })
    return sorted(found, key=lambda f: -f["pixels"])[:limit]
