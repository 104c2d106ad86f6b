"""An independent implementation of the scene-selection rule (docs/acquisition.md), written from the text of the rule
and not from imagery.lib.scene_selection: raw SCL counts in, chosen Item ids and missing months out."""
from __future__ import annotations

import numpy as np

CLOUD_OR_SHADOW = {3, 8, 9, 10}


def oracle_selection(items: list[dict], *, max_tile_cloud: float, max_nodata: float, total: int = 24):
    """items: dicts with id, day (date), tile_cloud (percent or None), scl (array, or None when never probed).
    Returns ({item id: "month"|"extra"}, [missing months])."""
    scored = []
    for it in items:
        if it["tile_cloud"] is not None and it["tile_cloud"] > max_tile_cloud:
            continue
        scl = np.asarray(it["scl"])
        n = scl.size
        n_nodata = int(np.count_nonzero(scl == 0))
        n_cloud = sum(int(np.count_nonzero(scl == code)) for code in CLOUD_OR_SHADOW)
        if n_nodata == n or n_nodata / n > max_nodata:
            continue
        bad = (n_nodata + n_cloud) / n  # cloud pixels are data pixels, so this is nodata + (1 - nodata) * cloud
        scored.append((bad, 100.0 if it["tile_cloud"] is None else it["tile_cloud"], it["day"], it["id"]))
    scored.sort()
    seen_days, ranked = set(), []
    for s in scored:
        if s[2] not in seen_days:
            seen_days.add(s[2])
            ranked.append(s)
    chosen = {}
    for month in range(1, 13):
        for s in ranked:
            if s[2].month == month:
                chosen[s[3]] = "month"
                break
    missing = [m for m in range(1, 13) if not any(s[2].month == m for s in ranked)]
    for s in ranked:
        if len(chosen) >= total:
            break
        chosen.setdefault(s[3], "extra")
    return chosen, missing
