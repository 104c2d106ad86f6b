"""The figure stored with each training run: held-out confusion matrix and per-class F1 (matplotlib Agg, no Django)."""

from __future__ import annotations

import io

import numpy as np

from imagery.lib.domain import CLASS_NAMES
from imagery.lib.pyplot import pyplot


def metrics_png(metrics: dict, title: str) -> bytes:
    plt = pyplot()
    labels = metrics["confusion_labels"]
    cm = np.asarray(metrics["confusion_matrix"], dtype=float)
    rows = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    names = [CLASS_NAMES[c] for c in labels]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    ax1.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for (i, j), n in np.ndenumerate(cm):
        color = "white" if rows[i, j] > 0.5 else "black"
        ax1.text(j, i, f"{int(n)}", ha="center", va="center", fontsize=8, color=color)
    ax1.set_xticks(range(len(names)), names, rotation=35, ha="right", fontsize=8)
    ax1.set_yticks(range(len(names)), names, fontsize=8)
    ax1.set_xlabel("predicted")
    ax1.set_ylabel("reference (held-out 25 %)")
    ax1.set_title(f"overall accuracy {metrics['overall_accuracy']:.1%}, balanced {metrics['balanced_accuracy']:.1%}")
    f1 = [metrics["per_class"][str(c)]["f1"] for c in labels]
    ax2.barh(range(len(names)), f1, color="tab:green")
    ax2.set_yticks(range(len(names)), names, fontsize=8)
    ax2.invert_yaxis()
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("F1 on the held-out pixels")
    fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()
