"""Readers that turn each real Sentinel-2 layout into one standard form (no Django).

A `Source` is one place on one grid (CRS, transform, size) with one or more dates. Each `SourceScene` reads any
window as `SceneData`: a (10, h, w) uint16 stack in `imagery.lib.domain.BANDS` order (0 = no data), an optional SCL and
an optional binary cloud mask. Metadata is checked when a source is found; pixels are read window by window, so
choosing a few chips of a full Sentinel-2 tile reads only those.
Layouts (see ../shared/data/README.md):
  - LandCoverNet chips: `<prefix>_bands10.tif` (+ `_SCL.tif`, `_CLD.tif`), prefix `<tile>_<nn>_<yyyymmdd>` or free;
  - per-band files of one date at 10/20/60 m: `<prefix>_B02.tif` … and optionally `<prefix>_SCL.tif` (20 m bands
    and SCL → 10 m by nearest neighbour);
  - multi-date 13-band L1C stacks (float 0..1 or DN), cloud mask from a sibling `clm_*.tif` + `timestamps.json`;
  - per-date 10-band stacks (e.g. THEIA L3A, int16), no cloud layer.
All files of a directory that are not LandCoverNet chips belong to one place: their grids must agree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from imagery.lib.source_io import (
    BAND_FILE,
    DATE_IN_NAME,
    SceneData,
    Source,
    SourceError,
    SourceScene,
    Window,
    parse_date,
)
from imagery.lib.source_layouts import landcovernet_chips, per_band_files, stacks

__all__ = ["SceneData", "Source", "SourceError", "SourceScene", "Window", "classify", "parse_date", "read_sources"]


# --- discovery ------------------------------------------------------------------------------------------------


def _is_companion(path: Path, bands10_prefixes: set[str]) -> bool:
    """SCL/CLD/B01/B09 files of a LandCoverNet chip, and eo-learn's side layers."""
    stem = path.stem
    for suffix in ("_SCL", "_CLD", "_B01", "_B09", "_B10"):
        if stem.endswith(suffix) and str(path.parent / stem[: -len(suffix)]) in bands10_prefixes:
            return True
    return False


def classify(paths: list[Path]) -> dict[str, list[Path]]:
    """Sort files into layouts. Files of a directory that fit no layout (masks, DEM, labels) are 'ignored'."""
    files: list[tuple[Path, bool]] = []  # (file, named explicitly)
    for path in paths:
        if path.is_dir():
            files += [(p, False) for p in sorted(path.glob("*.tif")) + sorted(path.glob("*.tiff"))]
        elif path.exists():
            files.append((path, True))
        else:
            raise SourceError(f"{path}: no such file or directory")
    files = list({p.resolve(): (p, explicit) for p, explicit in files}.values())  # a file named twice counts once
    bands10 = {str(p.parent / p.name[: -len("_bands10.tif")]) for p, _ in files if p.name.endswith("_bands10.tif")}
    # per-band scenes read their `<prefix>_SCL.tif` themselves (source_layouts.per_band_files)
    bands10 |= {str(p.parent / m["prefix"]) for p, _ in files if (m := BAND_FILE.match(p.name))}
    out: dict[str, list[Path]] = defaultdict(list)
    for path, explicit in files:
        if path.name.endswith("_bands10.tif"):
            out["landcovernet"].append(path)
        elif _is_companion(path, bands10):
            out["ignored"].append(path)
        elif path.name.startswith("clm_"):
            out["cloud-masks"].append(path)  # read by the stacks of its folder
        elif BAND_FILE.match(path.name):
            out["per-band"].append(path)
        elif explicit or DATE_IN_NAME.search(path.stem):
            out[f"stack:{path.parent}"].append(path)
        else:
            out["ignored"].append(path)
    return out


def read_sources(paths: list[Path], *, fallback_date: date | None = None) -> tuple[list[Source], list[Path]]:
    """Find and check every source under `paths` (metadata only); returns (sources, ignored files). Raises SourceError."""
    groups = classify([Path(p) for p in paths])
    sources: list[Source] = []
    if groups.get("landcovernet"):
        sources += landcovernet_chips(groups["landcovernet"], fallback_date)
    if groups.get("per-band"):
        by_folder: dict[Path, list[Path]] = defaultdict(list)
        for path in groups["per-band"]:
            by_folder[path.parent].append(path)
        for folder_paths in by_folder.values():
            sources += per_band_files(folder_paths, fallback_date)
    for key, group in sorted(groups.items()):
        if key.startswith("stack:"):
            sources += stacks(group, fallback_date)
    for source in sources:
        days = [s.date for s in source.scenes]
        if len(set(days)) != len(days):
            raise SourceError(f"{source.name}: two scenes share a date ({sorted(days)})")
        source.scenes.sort(key=lambda s: s.date)
    if not sources:
        raise SourceError(f"no Sentinel-2 imagery found in {', '.join(str(p) for p in paths)}")
    return sources, groups.get("ignored", [])
