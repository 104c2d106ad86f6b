"""The consensus admin's figures as base64 PNGs (pure: numpy and matplotlib's Agg backend, no Django)."""
import base64
import io

import numpy as np

from imagery.lib.domain import CLASS_COLORS, CLASS_NAMES
from imagery.lib.pyplot import pyplot


def confusion_png(confusion) -> str:
    """Row-normalised 7×7 confusion (classes 1..7) as a base64 PNG."""
    plt = pyplot()
    counts = np.asarray(confusion, float)[1:, 1:]
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    image = ax.imshow(share, vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(7), range(1, 8))
    ax.set_yticks(range(7), range(1, 8))
    ax.set_xlabel("annotator's class")
    ax.set_ylabel("expert's class")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def consensus_png(label: np.ndarray, score: np.ndarray) -> str:
    """A task's consensus: the class in the LandCoverNet colors next to the score (0..1), as a base64 PNG."""
    plt = pyplot()
    palette = np.array([CLASS_COLORS[c] for c in sorted(CLASS_COLORS)], np.uint8)
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 3.4))
    left.imshow(palette[label], interpolation="nearest")
    left.set_title("class")
    present = [int(c) for c in np.unique(label) if c]
    left.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=palette[c] / 255, label=CLASS_NAMES[c]) for c in present],
                loc="upper center", bbox_to_anchor=(0.5, -0.04), fontsize=7, ncol=2, frameon=False)
    image = right.imshow(np.where(label > 0, score, np.nan), vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
    right.set_title("consensus score")
    fig.colorbar(image, ax=right, fraction=0.046)
    for ax in (left, right):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def reliability_png(curves: dict) -> str:
    """Reliability diagram as a base64 PNG: {name: rows of calibration.reliability()} → mean confidence against the
    share of labels right per bin, with the diagonal (perfect calibration)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.4, 4.0))
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect")
    for name, rows in curves.items():
        rows = [r for r in rows if r.get("pixels")]
        ax.plot([r["confidence"] for r in rows], [r["accuracy"] for r in rows], marker="o", ms=3, label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (held-out reference pixels)")
    ax.set_ylabel("share of labels right")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()
