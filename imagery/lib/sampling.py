"""Campaign planning: which Sentinel-2 tiles to label (LandCoverNet paper §2.2).

Pure numpy/scipy (no Django import): tables in, arrays out. The commands `sample_tiles` and `select_chips` are thin
shells over this module; the rules are documented in docs/sampling.md.

Tile sampling, per continent:
  1. drop tiles with more than 60 % water or more than 90 % barren land (MODIS IGBP percentages);
  2. map each of the 19 features (lat, lon, 17 IGBP percentages) to its mid-rank empirical CDF over the continent's
     eligible tiles, so every feature is ~uniform on (0, 1);
  3. draw `quota` Latin-hypercube points in [0, 1]^19 (seeded) and give each its own tile by an optimal one-to-one
     assignment that minimises the summed squared distance (scipy's linear_sum_assignment);
  4. refine by swaps until every feature's chosen tiles fill its `quota` equal ECDF strata as the population does
     (conditioned Latin hypercube; objective and stopping rule in `_condition`).
Chip windows inside the chosen tiles: imagery/lib/chip_windows.py.
"""

from __future__ import annotations

import csv
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import Transformer
from scipy.optimize import linear_sum_assignment

from imagery.lib import geo

# MODIS MCD12Q1 LC_Type1 (IGBP) classes 1..17, as CSV column names.
IGBP_CLASSES = (
    "evergreen_needleleaf_forests",
    "evergreen_broadleaf_forests",
    "deciduous_needleleaf_forests",
    "deciduous_broadleaf_forests",
    "mixed_forests",
    "closed_shrublands",
    "open_shrublands",
    "woody_savannas",
    "savannas",
    "grasslands",
    "permanent_wetlands",
    "croplands",
    "urban_and_built_up_lands",
    "cropland_natural_vegetation_mosaics",
    "permanent_snow_and_ice",
    "barren",
    "water_bodies",
)
ID_COLUMNS = ("tile_id", "continent", "lat", "lon")
REQUIRED_COLUMNS = ID_COLUMNS + IGBP_CLASSES
FEATURES = ("lat", "lon") + IGBP_CLASSES  # 19 features, the order of the ECDF space

MAX_WATER_PCT = 60.0  # paper: tiles with more water are excluded
MAX_BARREN_PCT = 90.0  # paper: tiles with more barren land are excluded
PCT_SUM_TOLERANCE = 1.0  # percentage points; MODIS fractions rounded per class rarely drift further

# The paper's 300 tiles, split by continental land area.
PAPER_QUOTAS = {
    "Africa": 66,
    "Asia": 92,
    "Australia/Oceania": 20,
    "Europe": 28,
    "North America": 54,
    "South America": 40,
}
CONTINENTS = tuple(PAPER_QUOTAS)
_CONTINENT_ALIASES = {c.lower(): c for c in CONTINENTS} | {
    "australia": "Australia/Oceania",
    "oceania": "Australia/Oceania",
    "australia oceania": "Australia/Oceania",
}


_MAX_NAMED_ROWS = 10


class SamplingInputError(ValueError):
    """Bad table, quota or raster: the message names the offending rows; callers must write nothing."""


def _name_rows(rows: list[str]) -> str:
    more = len(rows) - _MAX_NAMED_ROWS
    return ", ".join(rows[:_MAX_NAMED_ROWS]) + (f" and {more} more" if more > 0 else "")


def normalize_continent(name: str) -> str | None:
    key = " ".join(name.replace("_", " ").replace("-", " ").split()).lower()
    return _CONTINENT_ALIASES.get(key)


# --------------------------------------------------------------------------------------------------- candidates
@dataclass(frozen=True)
class Candidates:
    """Candidate tiles: `rows` keeps every input column as text (written back unchanged)."""

    fieldnames: list[str]
    rows: list[dict[str, str]]
    tile_ids: np.ndarray  # (n,) str
    continents: np.ndarray  # (n,) canonical continent names
    features: np.ndarray  # (n, 19) float64 in FEATURES order

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> np.ndarray:
        return self.features[:, FEATURES.index(name)]


def read_candidates(source: str | Path | io.TextIOBase) -> Candidates:
    """Parse and validate a candidate CSV; raises SamplingInputError naming every bad row (by line and tile id)."""
    if isinstance(source, (str, Path)):
        with open(source, newline="", encoding="utf-8-sig") as fh:
            return read_candidates(fh)
    reader = csv.DictReader(source)
    fieldnames = [f.strip() for f in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in fieldnames]
    if missing:
        raise SamplingInputError(f"missing columns: {', '.join(missing)}")
    reader.fieldnames = fieldnames
    rows = [{k: (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    if not rows:
        raise SamplingInputError("the table has no rows")
    return candidates_from_rows(fieldnames, rows)


def candidates_from_rows(fieldnames: list[str], rows: list[dict[str, str]]) -> Candidates:
    label = [f"line {i + 2} ({r.get('tile_id') or '?'})" for i, r in enumerate(rows)]  # line 1 is the header
    errors: list[str] = []

    numeric = np.full((len(rows), len(FEATURES)), np.nan)
    bad = [label[i] for i, r in enumerate(rows) if not _parse_numbers(r, numeric[i])]
    if bad:
        errors.append(f"non-numeric lat/lon/percentage in {_name_rows(bad)}")

    tile_ids = np.array([r["tile_id"] for r in rows])
    not_mgrs = [label[i] for i, t in enumerate(tile_ids) if not geo.TILE_ID_RE.match(t.upper().removeprefix("T"))]
    if not_mgrs:
        errors.append(f"tile_id not an MGRS tile like 32NLP in {_name_rows(not_mgrs)}")
    uniq, counts = np.unique(tile_ids[tile_ids != ""], return_counts=True)
    if (counts > 1).any():
        errors.append(f"duplicate tile_id: {_name_rows(list(uniq[counts > 1]))}")

    continents = np.array([normalize_continent(r["continent"]) or "" for r in rows], dtype=object)
    unknown = [f"{label[i]}: {rows[i]['continent']!r}" for i in np.flatnonzero(continents == "")]
    if unknown:
        errors.append(f"unknown continent (expected one of {', '.join(CONTINENTS)}) in {_name_rows(unknown)}")

    lat, lon, pct = numeric[:, 0], numeric[:, 1], numeric[:, 2:]
    with np.errstate(invalid="ignore"):
        off_globe = (np.abs(lat) > 90) | (np.abs(lon) > 180)
        negative = (pct < 0).any(axis=1) | (pct > 100).any(axis=1)
        off_sum = np.abs(pct.sum(axis=1) - 100.0) > PCT_SUM_TOLERANCE
    for mask, what in (
        (off_globe, "lat outside ±90 or lon outside ±180"),
        (negative, "a percentage outside 0..100"),
        (off_sum, f"IGBP percentages not summing to 100 ± {PCT_SUM_TOLERANCE:g}"),
    ):
        named = [f"{label[i]}: sum {pct[i].sum():.2f}" if mask is off_sum else label[i] for i in np.flatnonzero(mask)]
        if named:
            errors.append(f"{what} in {_name_rows(named)}")

    if errors:
        raise SamplingInputError("; ".join(errors))
    return Candidates(fieldnames, rows, tile_ids, continents.astype(str), numeric)


def _parse_numbers(row: dict[str, str], out: np.ndarray) -> bool:
    try:
        out[:] = [float(row[c]) for c in FEATURES]
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(out).all())


def write_csv(target: str | Path | io.TextIOBase, fieldnames: list[str], rows: list[dict]) -> None:
    """Write rows as CSV (also used for chip windows)."""
    if isinstance(target, (str, Path)):
        with open(target, "w", newline="", encoding="utf-8") as fh:
            return write_csv(fh, fieldnames, rows)
    writer = csv.DictWriter(target, fieldnames=fieldnames)
    writer.writeheader()
    writer.writerows(rows)


def eligible_mask(features: np.ndarray) -> np.ndarray:
    """True where a tile passes the paper's water and barren exclusions."""
    water = features[:, FEATURES.index("water_bodies")]
    barren = features[:, FEATURES.index("barren")]
    return (water <= MAX_WATER_PCT) & (barren <= MAX_BARREN_PCT)


# ------------------------------------------------------------------------------------------------------ quotas
def split_total(total: int, continents: list[str]) -> dict[str, int]:
    """Split `total` over `continents` in proportion to the paper's quotas (i.e. land area), largest remainder."""
    if total < 0:
        raise SamplingInputError(f"total must be >= 0, got {total}")
    names = [c for c in CONTINENTS if c in set(continents)]
    if not names:
        raise SamplingInputError("no continent to split the total over")
    weights = np.array([PAPER_QUOTAS[c] for c in names], dtype=float)
    exact = total * weights / weights.sum()
    base = np.floor(exact).astype(int)
    # stable sort: ties go to the continent listed first in CONTINENTS
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - base.sum()]] += 1
    return dict(zip(names, base.tolist()))


def parse_quotas(specs: list[str]) -> dict[str, int]:
    """`["Africa=66", "North America=54"]` → {"Africa": 66, ...}; raises naming each bad spec."""
    quotas: dict[str, int] = {}
    bad = []
    for spec in specs:
        name, _, value = spec.partition("=")
        continent = normalize_continent(name)
        try:
            count = int(value)
        except ValueError:
            count = -1
        if continent is None or count < 0:
            bad.append(repr(spec))
        else:
            quotas[continent] = count
    if bad:
        raise SamplingInputError(
            f"bad quota {_name_rows(bad)}: expected CONTINENT=COUNT with CONTINENT one of {', '.join(CONTINENTS)}"
        )
    return quotas


def default_quotas(continents: np.ndarray) -> dict[str, int]:
    """The paper's quotas for the continents present in the table."""
    present = set(continents.tolist())
    return {c: q for c, q in PAPER_QUOTAS.items() if c in present}


# ---------------------------------------------------------------------------------------------- ECDF sampling
def ecdf_transform(features: np.ndarray) -> np.ndarray:
    """Mid-rank empirical CDF of each column: values in (0, 1); tied values share the middle of their step."""
    from scipy.stats import rankdata  # here, not at import: scipy.stats weighs 23 MB in every web and worker process

    n = features.shape[0]
    return (rankdata(features, method="average", axis=0) - 0.5) / n


def latin_hypercube(n: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """n points in [0, 1)^dims, exactly one in each of the n equal strata of every axis."""
    strata = rng.permuted(np.tile(np.arange(n), (dims, 1)), axis=1).T
    return (strata + rng.random((n, dims))) / n


def ecdf_sample(features: np.ndarray, k: int, rng: np.random.Generator, sweeps: int = 50) -> np.ndarray:
    """Indices of k rows spread uniformly in ECDF space (conditioned Latin hypercube, see the module docstring)."""
    n = features.shape[0]
    if k > n:
        raise SamplingInputError(f"cannot choose {k} of {n} tiles")
    if k == 0:
        return np.empty(0, dtype=int)
    u = ecdf_transform(features)
    chosen = _lhs_match(u, k, rng)
    return _condition(u, chosen, rng, sweeps * k) if k < n else chosen


def _lhs_match(u: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Start: k Latin-hypercube points, each given its own tile by an optimal nearest (squared distance) matching."""
    design = latin_hypercube(k, u.shape[1], rng)
    cost = (design**2).sum(1)[:, None] + (u**2).sum(1)[None, :] - 2.0 * design @ u.T
    return linear_sum_assignment(cost)[1]


def _condition(u: np.ndarray, chosen: np.ndarray, rng: np.random.Generator, steps: int) -> np.ndarray:
    """Swap search that brings each feature's distribution of chosen tiles to the population's, in ECDF space.

    ECDF space is cut into k equal strata per feature (k = tiles to choose). With D[j, s] = (chosen tiles of
    feature j in strata <= s) − k × (population share in strata <= s), the objective is sum(D²): a Cramér–von
    Mises distance, exact under ties, whose zero is a Latin hypercube. Each step frees one random chosen slot and
    refills it with the unchosen tile that lowers the objective most (zero gains allowed, to cross plateaus); the
    search stops after 2k steps in a row without a strict gain, or after `steps`.
    """
    n, d = u.shape
    k = len(chosen)
    strata = np.minimum((u * k).astype(int), k - 1)  # (n, d)
    feat = np.arange(d)
    cum_target = np.zeros((d, k))
    np.add.at(cum_target, (np.broadcast_to(feat, (n, d)), strata), k / n)
    cum_target = cum_target.cumsum(1)
    count = np.zeros((d, k))
    np.add.at(count, (np.broadcast_to(feat, (k, d)), strata[chosen]), 1.0)
    in_set = np.zeros(n, dtype=bool)
    in_set[chosen] = True
    chosen = chosen.copy()
    stale = 0
    for slot in rng.integers(0, k, size=steps):
        if stale >= 2 * k:
            break
        dev = count.cumsum(1) - cum_target
        # moving one tile of feature j from stratum a to b lowers D on [a, b) or raises it on [b, a):
        # (D-1)² - D² = 1 - 2D and (D+1)² - D² = 1 + 2D, summed over the range via prefix sums
        lower = np.concatenate([np.zeros((d, 1)), (1 - 2 * dev).cumsum(1)], axis=1)
        raise_ = np.concatenate([np.zeros((d, 1)), (1 + 2 * dev).cumsum(1)], axis=1)
        old = chosen[slot]
        a = strata[old]  # (d,)
        free = np.flatnonzero(~in_set)
        b = strata[free]  # (m, d)
        gain = np.where(b > a, lower[feat, b] - lower[feat, a], raise_[feat, a] - raise_[feat, b]).sum(1)
        best = int(np.argmin(gain))
        stale = 0 if gain[best] < -1e-9 else stale + 1
        if gain[best] > 1e-9:
            continue
        new = free[best]
        count[feat, a] -= 1
        count[feat, strata[new]] += 1
        in_set[old], in_set[new] = False, True
        chosen[slot] = new
    return chosen


def max_ks_distance(u: np.ndarray, chosen: np.ndarray) -> float:
    """Max over features of the KS distance between the chosen rows and all rows of the ECDF matrix `u`.

    With no ties this is the KS distance of the chosen rows to the uniform distribution of ECDF space; with ties
    (many 0 % classes) it stays exact because both CDFs step at the same values.
    """
    if len(chosen) == 0:
        return 0.0
    pop = np.sort(u, axis=0)
    sub = np.sort(u[chosen], axis=0)
    n, k = len(pop), len(sub)
    worst = 0.0
    for j in range(u.shape[1]):  # 19 features, each vectorised over the tiles
        f_pop = np.searchsorted(pop[:, j], pop[:, j], side="right") / n
        f_sub = np.searchsorted(sub[:, j], pop[:, j], side="right") / k
        worst = max(worst, float(np.abs(f_pop - f_sub).max()))
    return worst


@dataclass(frozen=True)
class ContinentSummary:
    continent: str
    candidates: int
    excluded: int
    eligible: int
    quota: int
    chosen: int
    max_ks: float  # of the chosen tiles, in this continent's ECDF space
    max_ks_random: float  # of a plain random draw of the same size (same seed), for reference


@dataclass(frozen=True)
class TileSample:
    chosen: np.ndarray  # row indices into the candidate table, grouped by continent in CONTINENTS order
    summaries: list[ContinentSummary]


def sample_tiles(candidates: Candidates, quotas: dict[str, int], seed: int, progress=iter) -> TileSample:
    """Choose exactly quotas[c] eligible tiles per continent; raises if any quota exceeds its eligible tiles.

    `progress` wraps the loop over continents (e.g. tqdm). Each continent draws from its own seeded stream, so
    one continent's sample does not change when another's quota does.
    """
    eligible = eligible_mask(candidates.features)
    short = []
    for c, q in quotas.items():
        n_ok = int((eligible & (candidates.continents == c)).sum())
        if q > n_ok:
            short.append(f"{c}: quota {q} > {n_ok} eligible tiles")
    if short:
        raise SamplingInputError(f"quota larger than the eligible tiles ({'; '.join(short)})")

    chosen, summaries = [], []
    for c in progress(CONTINENTS):  # fixed order: the same seed gives the same sample whatever the table order
        in_c = candidates.continents == c
        if c not in quotas and not in_c.any():
            continue
        rows = np.flatnonzero(in_c & eligible)
        rng = np.random.default_rng([seed, zlib.crc32(c.encode())])
        q = quotas.get(c, 0)
        picked = ecdf_sample(candidates.features[rows], q, rng)
        u = ecdf_transform(candidates.features[rows]) if len(rows) else np.empty((0, len(FEATURES)))
        random_pick = rng.choice(len(rows), size=q, replace=False)
        chosen.append(rows[picked])
        summaries.append(
            ContinentSummary(
                continent=c,
                candidates=int(in_c.sum()),
                excluded=int((in_c & ~eligible).sum()),
                eligible=len(rows),
                quota=q,
                chosen=len(picked),
                max_ks=max_ks_distance(u, picked),
                max_ks_random=max_ks_distance(u, random_pick),
            )
        )
    return TileSample(np.concatenate(chosen) if chosen else np.empty(0, dtype=int), summaries)


# ------------------------------------------------------------------------------------------- synthetic table
def synthetic_candidates(n: int, seed: int = 0) -> tuple[list[str], list[dict[str, str]]]:
    """A made-up candidate table (for tests, demos and benchmarks), shaped like the real one.

    Tile centres are random points in rough continent boxes, named by the real MGRS tile that holds them (one row
    per tile); class mixes are sparse Dirichlet draws with a latitude trend, and about 8 % of tiles are mostly water
    or barren so the exclusions have work to do.
    """
    rng = np.random.default_rng(seed)
    boxes = np.array([  # lat min, lat max, lon min, lon max: enough for a map-like scatter
        (-35, 37, -18, 51), (5, 75, 40, 150), (-45, -10, 112, 178), (36, 70, -10, 40), (15, 70, -165, -55),
        (-55, 12, -81, -35),
    ])
    weights = np.array([PAPER_QUOTAS[c] for c in CONTINENTS], dtype=float)
    draw = 2 * n + 100  # points sharing a tile are dropped
    continent = rng.choice(len(CONTINENTS), size=draw, p=weights / weights.sum())
    box = boxes[continent]
    lat = box[:, 0] + rng.random(draw) * (box[:, 1] - box[:, 0])
    lon = box[:, 2] + rng.random(draw) * (box[:, 3] - box[:, 2])
    ids = _mgrs_ids(lat, lon)
    _, first = np.unique(ids, return_index=True)
    keep = np.sort(first)[:n]
    if len(keep) < n:
        raise SamplingInputError(f"cannot make {n} distinct synthetic tiles")
    continent, lat, lon, ids = continent[keep], lat[keep], lon[keep], ids[keep]

    k = len(IGBP_CLASSES)
    alpha = np.full((n, k), 0.25)
    polar = np.clip((np.abs(lat) - 45) / 30, 0, 1)  # colder → needleleaf, snow; warmer → savanna
    alpha[:, IGBP_CLASSES.index("evergreen_needleleaf_forests")] += 2 * polar
    alpha[:, IGBP_CLASSES.index("permanent_snow_and_ice")] += polar
    alpha[:, IGBP_CLASSES.index("savannas")] += 2 * (1 - polar)
    alpha[:, IGBP_CLASSES.index("croplands")] += 1.0
    pct = rng.gamma(alpha)
    extreme = rng.random(n)
    water, barren = extreme < 0.04, (extreme >= 0.04) & (extreme < 0.08)
    pct[water, IGBP_CLASSES.index("water_bodies")] += 20 * pct[water].sum(1)
    pct[barren, IGBP_CLASSES.index("barren")] += 20 * pct[barren].sum(1)
    pct = np.round(100 * pct / pct.sum(1, keepdims=True), 2)
    top = pct.argmax(1)  # the rounding remainder goes to the largest class, which stays positive
    pct[np.arange(n), top] = np.round(pct[np.arange(n), top] + 100 - pct.sum(1), 2)

    rows = []
    for i in range(n):
        row = {"tile_id": ids[i], "continent": CONTINENTS[continent[i]], "lat": f"{lat[i]:.4f}", "lon": f"{lon[i]:.4f}"}
        row.update({name: f"{pct[i, j]:.2f}" for j, name in enumerate(IGBP_CLASSES)})
        rows.append(row)
    return list(REQUIRED_COLUMNS), rows


def _mgrs_ids(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """MGRS tile ids of points (projected one UTM zone at a time)."""
    zone = np.clip(((lon + 180) // 6).astype(int) + 1, 1, 60)
    ids = np.empty(len(lat), dtype=object)
    for z in np.unique(zone):
        for north in (True, False):
            sel = np.flatnonzero((zone == z) & ((lat >= 0) == north))
            if len(sel):
                epsg = geo.utm_epsg(int(z), north)
                x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon[sel], lat[sel])
                ids[sel] = [f"{z:02d}{geo.latitude_band(la)}{geo.square_letters(z, xi, yi)}"
                            for la, xi, yi in zip(lat[sel], x, y)]
    return ids.astype(str)
