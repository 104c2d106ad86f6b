"""Dataset figures like the LandCoverNet paper's Figures 1 and 2 (pure; no Django): class shares, score histogram.

Everything derives from two small counters filled task by task: pixels per class code (8) and labeled pixels per
integer score percent (101), so a whole dataset is summarised in constant memory.
Score bins are 10 % wide, [0, 10) ... [80, 90), and [90, 100] (the last one closed); "at 100 %" is a score of
exactly 100 %, "60–100 %" is 60 <= score < 100 (two of three annotators agreeing gives 61–73 %).
"""

from __future__ import annotations

import io

import numpy as np

from imagery.lib.domain import CLASS_COLORS, CLASS_NAMES, N_CLASSES
from imagery.lib.pyplot import pyplot

from export.lib.product import chip_counts

BIN_EDGES = tuple(range(0, 101, 10))


class DatasetStats:
    """Running pixel counts per class and per score percent."""

    def __init__(self):
        self.class_counts = np.zeros(N_CLASSES, np.int64)
        self.percent_counts = np.zeros(101, np.int64)

    def add(self, label: np.ndarray, score: np.ndarray) -> None:
        """Add one task's (or chip's) consensus label (codes 0..7) and score (0..1)."""
        self.add_counts(*chip_counts(label, score))

    def add_counts(self, class_counts: np.ndarray, percent_counts: np.ndarray) -> None:
        """Add counters filled elsewhere (a chip summary's): 8 class counts and 101 percent counts."""
        self.class_counts += np.asarray(class_counts, np.int64)
        self.percent_counts += np.asarray(percent_counts, np.int64)

    def classes(self) -> list[dict]:
        """Pixel count and share (percent of labeled pixels) per class 1..7."""
        labeled = int(self.class_counts[1:].sum())
        return [
            {"code": code, "name": CLASS_NAMES[code], "pixels": int(self.class_counts[code]),
             "share_pct": round(100 * int(self.class_counts[code]) / labeled, 3) if labeled else 0.0}
            for code in range(1, N_CLASSES)
        ]

    def scores(self) -> dict:
        """Histogram of consensus scores in 10 % bins, with shares of pixels at 100 % and in 60–100 %."""
        total = int(self.percent_counts.sum())
        binned = np.add.reduceat(self.percent_counts, np.array(BIN_EDGES[:-1]))  # last bin runs to 100 inclusive
        share = (lambda n: round(100 * n / total, 3) if total else 0.0)
        return {
            "labeled_pixels": total,
            "bins": [
                {"low": low, "high": high, "pixels": int(n), "share_pct": share(int(n))}
                for low, high, n in zip(BIN_EDGES[:-1], BIN_EDGES[1:], binned)
            ],
            "share_100_pct": share(int(self.percent_counts[100])),
            "share_60_100_pct": share(int(self.percent_counts[60:100].sum())),
            "mean_score_pct": round(float((self.percent_counts * np.arange(101)).sum() / total), 3) if total else None,
        }


def _png(fig) -> bytes:
    plt = pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def classes_png(classes: list[dict]) -> bytes:
    """Bar chart of class shares (paper Fig. 1 style), bars in the LandCoverNet colors."""
    return _png(classes_figure(classes))


def classes_figure(classes: list[dict]):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    names = [c["name"] for c in classes]
    colors = [tuple(v / 255 for v in CLASS_COLORS[c["code"]][:3]) for c in classes]
    bars = ax.barh(names, [c["share_pct"] for c in classes], color=colors, edgecolor="black", linewidth=0.5)
    ax.bar_label(bars, labels=[f'{c["share_pct"]:.1f} % ({c["pixels"]:,} px)' for c in classes], padding=3, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("share of labeled pixels (%)")
    ax.set_xlim(0, max([c["share_pct"] for c in classes] + [1]) * 1.35)
    ax.set_title("Land cover classes")
    return fig


def scores_png(scores: dict) -> bytes:
    """Histogram of consensus scores (paper Fig. 2 style) in 10 % bins."""
    return _png(scores_figure(scores))


def scores_figure(scores: dict):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bins = scores["bins"]
    ax.bar([b["low"] for b in bins], [b["share_pct"] for b in bins], width=10, align="edge", color="#4a7bb7",
           edgecolor="black", linewidth=0.5)
    ax.set_xticks(list(BIN_EDGES))
    ax.set_xlabel("consensus score (%)")
    ax.set_ylabel("share of labeled pixels (%)")
    ax.set_title(
        f'Consensus scores: {scores["share_100_pct"]:.1f} % at 100 %, {scores["share_60_100_pct"]:.1f} % in 60–100 %'
        f' ({scores["labeled_pixels"]:,} px)'
    )
    return fig
