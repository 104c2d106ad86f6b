"""PNG figures for campaign planning (pure: matplotlib's object API with the Agg canvas, no pyplot state)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from imagery.lib.chip_windows import ChipWindow
from imagery.lib.sampling import CONTINENTS, Candidates, eligible_mask


def plot_tile_sample(candidates: Candidates, chosen: np.ndarray, path: str | Path, title: str) -> None:
    """Map-style lon/lat scatter: every candidate (grey; excluded ones as crosses) and the chosen tiles by continent."""
    fig = Figure(figsize=(12, 6.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    lat, lon = candidates.column("lat"), candidates.column("lon")
    ok = eligible_mask(candidates.features)
    ax.scatter(lon[ok], lat[ok], s=4, c="0.75", lw=0, label=f"eligible candidates ({ok.sum()})")
    ax.scatter(lon[~ok], lat[~ok], s=6, c="0.55", marker="x", lw=0.5, label=f"excluded: water/barren ({(~ok).sum()})")
    colors = dict(zip(CONTINENTS, ("#d62728", "#1f77b4", "#9467bd", "#2ca02c", "#ff7f0e", "#8c564b")))
    for continent in CONTINENTS:
        picked = chosen[candidates.continents[chosen] == continent]
        if len(picked):
            ax.scatter(lon[picked], lat[picked], s=28, color=colors[continent], edgecolor="k", lw=0.4,
                       label=f"{continent}: {len(picked)} chosen")
    ax.set(xlim=(-180, 180), ylim=(-60, 85), xlabel="longitude (°)", ylabel="latitude (°)", title=title)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, markerscale=1.2)
    fig.savefig(path)


def plot_chip_windows(layouts: list[tuple[str, tuple[int, int], np.ndarray | None, list[ChipWindow]]],
                      path: str | Path) -> None:
    """One panel per tile: its no-data mask (when known) and the chosen chip windows, in tile pixels."""
    cols = min(len(layouts), 4)
    rows = -(-len(layouts) // cols)
    fig = Figure(figsize=(3.2 * cols, 3.2 * rows), dpi=90, layout="constrained")
    for i, (tile_id, (height, width), nodata, windows) in enumerate(layouts):
        ax = fig.add_subplot(rows, cols, i + 1)
        if nodata is not None:
            ax.imshow(nodata, extent=(0, width, height, 0), cmap="Greys", vmin=0, vmax=1.5, interpolation="nearest")
        for w in windows:
            ax.add_patch(Rectangle((w.col_off, w.row_off), w.width, w.height, fill=False, ec="#d62728", lw=0.8))
        ax.set(xlim=(0, width), ylim=(height, 0), title=f"{tile_id}: {len(windows)} chips")
        ax.set_aspect("equal")
        ax.tick_params(labelsize=7)
    fig.suptitle("chip windows (red) over no data (grey)")
    fig.savefig(path)
