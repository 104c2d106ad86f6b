"""Per-pixel features and training targets for the guess-label model (LandCoverNet paper, Appendix A).

Pure numpy, no Django. Arrays are "pixels last": a chip's scenes come as (T, bands, N) with N = H*W.
Everything is vectorized over pixels; the only Python loops run over the (few) dates, classes or pixel blocks.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from guesslabels.lib.interpolation import BLOCK, Scratch, interpolate_block, make_plan
from imagery.lib.date_grid import DATES_PER_YEAR, grid_positions, year_positions
from imagery.lib.domain import (
    ABSENT,
    BANDS,
    CLASS_NAMES,
    CLOUD_MASK_BAND,
    NO_DATA,
    REFLECTANCE_SCALE,
    SCL_BAND,
    SCL_NOT_VEGETATED,
    SCL_SNOW,
    SCL_VEGETATION,
    SCL_WATER,
)
from imagery.lib.observations import usable

N_DATES = DATES_PER_YEAR  # reconstruction dates a year: the campaign's date grid
N_FEATURES = N_DATES * len(BANDS)  # 240
FEATURE_THREADS = min(os.cpu_count() or 1, 4)  # threads per chip by default (blocks are independent)
DAYS_PER_YEAR = 365.25  # gap lengths: year fractions to days
FEATURE_LAYOUT = "240 float32 = 10 bands (imagery.lib.domain.BANDS) x 24 dates, band-major (b*24 + k), reflectance"

# Annual 4-class SCL majority, in tie-break order (the first wins a tie).
SCL_MAJORITY_CLASSES = (SCL_WATER, SCL_VEGETATION, SCL_SNOW, SCL_NOT_VEGETATED)
# LandCoverNet classes each annual SCL class agrees with (paper: drop pixels where they disagree).
SCL_AGREEMENT = {
    SCL_WATER: (1,),  # Water
    SCL_SNOW: (4,),  # Permanent Snow/Ice
    SCL_NOT_VEGETATED: (2, 3),  # Artificial / Natural Bareground
    SCL_VEGETATION: (5, 6, 7),  # Woody / Cultivated / (Semi) Natural Vegetation
}

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
DEFAULT_MAPPING = MAPPINGS_DIR / "globeland30.csv"


# --- periodic interpolation -----------------------------------------------------------------------------------


def reconstruction_positions(n: int = N_DATES) -> np.ndarray:
    """The n year positions every chip is rebuilt at: the campaign's one date grid (imagery.lib.date_grid), whatever
    dates the chip has, so that column b*24 + k means the same date of the year on every chip of every tile."""
    return grid_positions(n)


def interpolate_periodic(
    values: np.ndarray,
    valid: np.ndarray,
    positions: np.ndarray,
    targets: np.ndarray,
    scale: float = 1.0,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild every pixel's series at `targets` by linear interpolation between its valid observations,
    periodic over one year (positions and targets in [0, 1)).

    values (T, B, N), valid (T, N), positions (T,), targets (K,)
    -> (series (B, K, N) float32 = values x scale, has_obs (N,) bool).
    Pixels without any valid observation get zeros and has_obs False. `out`, a (B, K, N) float32 buffer to fill,
    saves fresh memory when many chips are processed in turn.

    How (guesslabels.lib.interpolation): with the observations ranked by position, a running max of "rank where
    valid" gives each pixel's last valid rank up to any point, a running min the next one; where none is left in
    the year, the neighbour wraps to the other end of the year. Off the observations' dates (the campaign grid),
    the invalid entries are filled once from those ranks, forward and backward, for all bands, and each target is
    one dense multiply-add with a weight per (target, pixel). When the targets are the observations' own dates,
    valid observations are kept as they are and only invalid ones are interpolated.
    """
    n_pix = values.shape[-1]
    values = np.ascontiguousarray(values)
    plan = make_plan(positions, targets)
    out = _output(out, (values.shape[1], len(plan.targets), n_pix))
    has_obs = np.empty(n_pix, bool)
    scratch = Scratch()
    for s in range(0, n_pix, BLOCK):
        e = min(s + BLOCK, n_pix)
        interpolate_block(plan, values, valid[:, s:e], scale, out, s, has_obs[s:e], scratch)
    return out, has_obs


def _output(out: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    if out is None:
        return np.empty(shape, np.float32)
    if out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float32 array of shape {shape}")
    return out


# --- features for a chip --------------------------------------------------------------------------------------


@dataclass
class ChipFeatures:
    features: np.ndarray  # (N, 240) float32 reflectance, band-major: column b*24 + k = band b at date k
    # (a transposed view of a (240, N) array: no copy, and column reads are contiguous for tree training)
    has_obs: np.ndarray  # (N,) bool: at least one valid observation
    scl_class: np.ndarray | None  # (N,) uint8 annual SCL majority code (0 = none), None when no scene had SCL
    longest_gap: np.ndarray | None = None  # (N,) float32 longest stretch of the year without a valid observation,
    # in days (periodic: December to January counts); 365.25 (a whole year) without any valid observation
    quality: dict | None = None  # scenes by quality layer: {"scl": n, "cloud_mask": n, "derived": n}

    def gap_report(self, max_gap_days: float) -> dict:
        """How the chip's observed pixels fare against the gap limit: share over it, median and longest gap."""
        gaps = self.longest_gap[self.has_obs] if self.longest_gap is not None else np.empty(0, np.float32)
        if not len(gaps):
            return {"over_limit": 0.0, "median_days": None, "max_days": None}
        return {"over_limit": float((gaps > max_gap_days).mean()), "median_days": round(float(np.median(gaps)), 1),
                "max_days": round(float(gaps.max()), 1)}


def chip_features(
    stack: np.ndarray, dates: list[dt.date], out: np.ndarray | None = None, threads: int | None = None
) -> ChipFeatures:
    """stack (T, 12, H, W) uint16 in the scene COG layout (10 bands, SCL, cloud mask) -> per-pixel features.
    `out`: optional (240, H*W) float32 buffer to write the features into. `threads`: how many threads share the
    chip's pixel blocks (default: one per CPU core, at most FEATURE_THREADS)."""
    t_count = stack.shape[0]
    flat = np.ascontiguousarray(stack.reshape(t_count, stack.shape[1], -1))  # no copy for a C-contiguous stack
    n_pix = flat.shape[-1]
    reflectance, scl, cloud = flat[:, : len(BANDS)], flat[:, SCL_BAND], flat[:, CLOUD_MASK_BAND]
    plan = make_plan(year_positions(dates), reconstruction_positions())
    series = _output(None if out is None else out.reshape(len(BANDS), len(plan.targets), -1),
                     (len(BANDS), len(plan.targets), n_pix))
    has_obs = np.empty(n_pix, bool)
    scl_absent = scl == ABSENT
    has_scl = not scl_absent.all()
    scene_scl = ~scl_absent.all(axis=1)
    scene_mask = np.zeros(t_count, bool) if scene_scl.all() else ~(cloud == ABSENT).all(axis=1)
    derived = ~scene_scl & ~scene_mask
    if derived.any():  # no quality layer at all: a cloud mask by rule, so bright clouds are not taken for land
        cloud = cloud.copy()
        cloud[derived] = derived_cloud_mask(reflectance[derived])
    cloud = cloud if scl_absent.any() else None  # SCL everywhere: skip the cloud mask
    scl_class = np.empty(n_pix, np.uint8) if has_scl else None
    gaps = np.empty(n_pix, np.float32)

    def run(block_starts):  # validity, series and SCL class of each block, while the block is in cache
        scratch = Scratch()
        for s in block_starts:
            px = slice(s, min(s + BLOCK, n_pix))
            valid = usable(reflectance[..., px], scl[:, px], None if cloud is None else cloud[:, px], band_axis=1)
            # The reflectance bands come first in the scene layout: the kernel reads them from the whole chip.
            interpolate_block(plan, flat, valid, 1 / REFLECTANCE_SCALE, series, s, has_obs[px], scratch, gaps[px])
            if has_scl:
                _scl_majority_into(flat, SCL_BAND, s, valid, scl_class[px])
            gaps[px] *= np.float32(DAYS_PER_YEAR)  # year fractions to days

    # Threads take the next block as they become free (a range iterator hands out each block once): on shared
    # cores, a thread that is descheduled does not hold the chip up. The calling thread works too.
    starts = iter(range(0, n_pix, BLOCK))
    helpers = min(threads or FEATURE_THREADS, -(-n_pix // BLOCK)) - 1
    if helpers <= 0:
        run(starts)
    else:
        with ThreadPoolExecutor(helpers) as pool:
            done = [pool.submit(run, starts) for _ in range(helpers)]
            run(starts)
            for future in done:
                future.result()
    quality = {"scl": int(scene_scl.sum()), "cloud_mask": int((~scene_scl & scene_mask).sum()),
               "derived": int(derived.sum())}
    return ChipFeatures(series.reshape(-1, n_pix).T, has_obs, scl_class, gaps, quality)


# Rule for scenes without SCL or cloud mask: bright in blue (B02 >= 0.25 reflectance; land, water and vegetation
# stay well below, except snow) and not snow (NDSI = (B03 - B11) / (B03 + B11) < 0.4). Thin clouds and shadows are
# not caught: it keeps the model from learning thick clouds as land, nothing more.
DERIVED_CLOUD_BLUE = 0.25
DERIVED_CLOUD_MAX_NDSI = 0.4


def derived_cloud_mask(reflectance: np.ndarray) -> np.ndarray:
    """(T, N) uint8 cloud mask (1 = cloud) of (T, bands, N) reflectance DN, by the documented rule above."""
    blue = reflectance[:, BANDS.index("B02")].astype(np.float32)
    green = reflectance[:, BANDS.index("B03")].astype(np.float32)
    swir = reflectance[:, BANDS.index("B11")].astype(np.float32)
    ndsi = (green - swir) / np.maximum(green + swir, 1)
    return ((blue >= DERIVED_CLOUD_BLUE * REFLECTANCE_SCALE) & (ndsi < DERIVED_CLOUD_MAX_NDSI)).astype(np.uint8)


def scl_majority(scl: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(N,) uint8: the most frequent of water/vegetation/snow/not-vegetated among a pixel's valid observations;
    0 where none of the four occurs. scl, valid (T, N). Counted by a compiled loop (one pass per class over the
    block, no temporaries): a fifth of a chip's feature time in numpy."""
    scl = np.ascontiguousarray(scl)
    out = np.empty(scl.shape[1], np.uint8)
    _scl_majority_into(scl[:, None, :], 0, 0, np.ascontiguousarray(valid, dtype=bool), out)
    return out


def _scl_majority_into(layers: np.ndarray, band: int, start: int, valid: np.ndarray, out: np.ndarray) -> None:
    """scl_majority of pixels start..start+n of layers[:, band] (T, bands, N), C-contiguous (a chip, read in place)
    into out (n,) uint8; valid (T, n)."""
    n = valid.shape[1]
    if (not layers.flags.c_contiguous or layers.shape[0] != valid.shape[0] or layers.shape[2] < start + n
            or out.shape != (n,) or out.dtype != np.uint8 or valid.dtype != bool):
        raise ValueError(f"SCL {layers.shape}, validity {valid.shape} and output {out.shape} do not match")
    _scl_counts(layers, band, start, valid, np.asarray(SCL_MAJORITY_CLASSES, layers.dtype), out)


@numba.njit(nogil=True, cache=True, boundscheck=False)
def _scl_counts(layers, band, start, valid, codes, out):
    t_count, n = valid.shape
    counts = np.zeros((len(codes), n), np.int32)
    for c in range(len(codes)):
        code, count = codes[c], counts[c]
        for t in range(t_count):
            scl_t, valid_t = layers[t, band, start : start + n], valid[t]
            for p in range(n):
                count[p] += np.int32((scl_t[p] == code) & valid_t[p])
    for p in range(n):
        best = 0
        for c in range(1, len(codes)):
            if counts[c, p] > counts[best, p]:  # strictly more: a tie goes to the class listed first
                best = c
        out[p] = codes[best] if counts[best, p] > 0 else 0


# --- training target ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassMapping:
    """Reference-map code -> LandCoverNet class, loaded from a CSV (columns source_code, target_class, ...)."""

    source_codes: np.ndarray  # sorted int64
    target_classes: np.ndarray  # uint8, aligned with source_codes
    name: str = ""

    @classmethod
    def from_csv(cls, path: str | Path) -> "ClassMapping":
        path = Path(path)
        try:
            with path.open(newline="") as fh:
                rows = [r for r in csv.DictReader(_skip_comments(fh))]
            pairs = {int(r["source_code"]): int(r["target_class"]) for r in rows}
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"mapping table {path}: unreadable ({exc}); expected columns source_code,target_class")
        return cls.from_pairs(pairs, name=path.name)

    @classmethod
    def from_pairs(cls, pairs: dict[int, int], name: str = "") -> "ClassMapping":
        if not pairs:
            raise ValueError(f"mapping table {name}: no rows")
        bad = sorted({t for t in pairs.values() if t not in CLASS_NAMES})
        if bad:
            raise ValueError(f"mapping table {name}: target classes {bad} are not LandCoverNet classes 0..7")
        codes = np.array(sorted(pairs), dtype=np.int64)
        targets = np.array([pairs[c] for c in codes], dtype=np.uint8)
        return cls(codes, targets, name)

    def apply(self, reference: np.ndarray) -> np.ndarray:
        """Map a land-cover map's codes to LandCoverNet classes; codes missing from the table are an error."""
        ref = np.asarray(reference).astype(np.int64, copy=False)
        idx = np.clip(np.searchsorted(self.source_codes, ref), 0, len(self.source_codes) - 1)
        known = self.source_codes[idx] == ref
        if not known.all():
            missing = np.unique(ref[~known])[:10].tolist()
            raise ValueError(f"reference codes {missing} are not in mapping table {self.name}")
        return self.target_classes[idx]


def _skip_comments(lines):
    return (line for line in lines if line.strip() and not line.lstrip().startswith("#"))


def scl_agrees(mapped: np.ndarray, scl_class: np.ndarray) -> np.ndarray:
    """(N,) bool: the mapped class is one the pixel's annual SCL class allows (no SCL class -> False)."""
    agree = np.zeros(mapped.shape, dtype=bool)
    for code, classes in SCL_AGREEMENT.items():
        agree |= (scl_class == code) & np.isin(mapped, classes)
    return agree


def training_mask(mapped: np.ndarray, has_obs: np.ndarray, scl_class: np.ndarray | None) -> np.ndarray:
    """(N,) bool: pixels usable for training: a labeled class, a valid observation, and SCL agreement
    (skipped when scl_class is None, i.e. the chip had no SCL)."""
    keep = (mapped != NO_DATA) & has_obs
    if scl_class is not None:
        keep &= scl_agrees(mapped, scl_class)
    return keep


def class_counts(labels: np.ndarray) -> dict[int, int]:
    """{class: pixel count} for classes 1..7 that occur."""
    counts = np.bincount(labels.ravel(), minlength=len(CLASS_NAMES))
    return {int(c): int(counts[c]) for c in range(1, len(counts)) if counts[c]}


# --- split ----------------------------------------------------------------------------------------------------


SPLIT_BLOCK = 16  # pixels a side of the blocks the spatial split keeps whole (160 m: half a task)


def pixel_blocks(chip_index: int, idx: np.ndarray, width: int, block: int = SPLIT_BLOCK) -> np.ndarray:
    """(m,) int64 block ids of pixels idx (row-major in a chip of `width` columns) of the chip numbered chip_index:
    pixels of one block share an id, blocks of different chips never do."""
    row, col = np.divmod(idx, width)
    per_row = -(-width // block)
    return chip_index * (1 << 32) + (row // block) * per_row + col // block


def spatial_split(y: np.ndarray, groups: np.ndarray, test_fraction: float = 0.25, seed: int = 0):
    """Indices (train, test) with whole blocks (groups) on one side: neighbouring pixels look alike, so a random
    pixel split measures memory of the neighbours rather than skill on unseen places.

    Blocks go to the test side in random order while it holds less than test_fraction of the pixels; a class whose
    every block went to test gets its blocks back (the model cannot learn it otherwise), so a class found in one
    block only is trained on and not tested. Raises ValueError when fewer than two classes remain."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"only {len(classes)} class left after filtering ({classes.tolist()}); need at least 2")
    ids, inverse = np.unique(groups, return_inverse=True)
    sizes = np.bincount(inverse)
    rng = np.random.default_rng(seed)
    in_test = np.zeros(len(ids), bool)
    taken, goal = 0, test_fraction * len(y)
    for g in rng.permutation(len(ids)):
        if taken >= goal:
            break
        in_test[g] = True
        taken += sizes[g]
    test_px = in_test[inverse]
    for c in classes:  # every class keeps at least one block for training
        of_c = y == c
        if not (of_c & ~test_px).any():
            in_test[np.unique(inverse[of_c])] = False
            test_px = in_test[inverse]
    if not test_px.any():
        raise ValueError("too few blocks for a spatial split (every block holds a class found nowhere else)")
    return np.flatnonzero(~test_px), np.flatnonzero(test_px)


def stratified_split(y: np.ndarray, test_fraction: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) with each class split test_fraction / rest (at least one of each per side).

    Raises ValueError when fewer than two classes remain or a class has too few pixels to be on both sides.
    """
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"only {len(classes)} class left after filtering ({classes.tolist()}); need at least 2")
    small = {int(c): int(n) for c, n in zip(classes, counts) if n < 2}
    if small:
        raise ValueError(f"too few pixels for a stratified split in classes {small} (need at least 2 each)")
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c, n in zip(classes, counts):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = min(max(1, int(round(n * test_fraction))), n - 1)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


