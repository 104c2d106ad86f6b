"""Which Sentinel-2 scenes of a year a chip keeps: LandCoverNet's 24-scene rule, judged on the chip (pure; no Django).

The paper (Appendix A.1.1) takes, per tile and year, the least cloudy scene of each calendar month, then the 12 least
cloudy of the rest: 24 scenes. A 100 km tile's cloud cover says little about one 2.56 km chip, and a tile at the edge
of an orbit's swath reports low cloud while the chip may lie outside the swath, so here every step is judged on the
chip's own SCL window:

1. **First filter** (`probe_worthy`): the Item's `eo:cloud_cover` (whole tile, percent). Items above
   `max_tile_cloud` are not probed at all; an Item without the property is probed.
2. **Probe**: the chip's SCL window (128×128 px at 20 m) of every remaining Item gives `chip_nodata` (share of SCL
   no-data pixels: outside the swath) and `chip_cloud` (share of the data pixels that are cloud or shadow, the
   rule `imagery.lib.observations.cloudy`; the same figure a stored scene shows as `cloud_fraction`).
3. **Usable**: some data and no more than `max_nodata` of the chip outside the swath. An Item whose chip window is
   all no data never counts, however clear its tile is.
4. **Rank** by the share of the chip that is unusable (no data, or cloud among the data), then tile cloud, date and
   Item id, so the choice is deterministic. Two Items of one date (a tile boundary, a reprocessing) keep the better.
5. **Month picks**: the best usable scene of each calendar month. **Extra picks**: the best of the remaining usable
   scenes of the year, until `total` (24) are chosen. A month without a usable scene lets the extras fill its slot.

Months without a usable scene, and a year with fewer than `total` usable scenes, are reported on the `Selection`;
the chip is still ingested with what exists. docs/acquisition.md works the rule through on real Items.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from imagery.lib.domain import SCL_NO_DATA
from imagery.lib.observations import cloudy

SCENES_PER_YEAR = 24  # the paper: 12 month picks + 12 extras
MONTH_PICK = "month"
EXTRA_PICK = "extra"


@dataclass(frozen=True)
class Candidate:
    """One catalog Item covering the chip; the chip figures are filled in by the probe (None: not probed)."""

    item_id: str
    day: date
    tile_cloud: float | None  # eo:cloud_cover of the whole tile, percent
    chip_cloud: float | None = None  # share of the chip's data pixels that are cloud or shadow (0..1)
    chip_nodata: float | None = None  # share of the chip's pixels with no data (0..1); 1.0 = outside the swath

    @property
    def unusable(self) -> float:
        """Share of the chip's pixels that are no data, or cloud among the data: the ranking figure."""
        if self.chip_nodata is None or self.chip_cloud is None:
            return 1.0
        return self.chip_nodata + (1.0 - self.chip_nodata) * self.chip_cloud


@dataclass(frozen=True)
class Pick:
    candidate: Candidate
    reason: str  # MONTH_PICK or EXTRA_PICK


@dataclass
class Selection:
    picks: list[Pick]  # in date order
    missing_months: list[int]  # calendar months (1..12) without a usable scene
    n_candidates: int  # Items covering the chip in the year
    n_probed: int  # Items that passed the tile-cloud filter and whose SCL window was read
    n_usable: int  # probed Items whose chip window is usable (after one per date)
    total: int = SCENES_PER_YEAR
    notes: list[str] = field(default_factory=list)

    @property
    def short_by(self) -> int:
        return max(0, self.total - len(self.picks))

    @property
    def complete(self) -> bool:
        return not self.missing_months and not self.short_by


def probe_worthy(candidates: list[Candidate], max_tile_cloud: float) -> list[Candidate]:
    """The first filter: Items whose whole-tile cloud cover is at most `max_tile_cloud` percent (unknown passes)."""
    return [c for c in candidates if c.tile_cloud is None or c.tile_cloud <= max_tile_cloud]


def chip_figures(scl: np.ndarray) -> tuple[float, float]:
    """(chip_cloud, chip_nodata) of a chip's SCL window; chip_cloud is 1.0 when the window has no data at all."""
    scl = np.asarray(scl)
    data = scl != SCL_NO_DATA
    n_data = int(data.sum())
    nodata = 1.0 - n_data / scl.size if scl.size else 1.0
    cloud = float((cloudy(scl) & data).sum() / n_data) if n_data else 1.0
    return cloud, float(nodata)


def probed(candidate: Candidate, scl: np.ndarray) -> Candidate:
    cloud, nodata = chip_figures(scl)
    return replace(candidate, chip_cloud=cloud, chip_nodata=nodata)


def _rank(c: Candidate) -> tuple:
    return (c.unusable, 100.0 if c.tile_cloud is None else c.tile_cloud, c.day, c.item_id)


def is_usable(c: Candidate, max_nodata: float) -> bool:
    return c.chip_nodata is not None and c.chip_nodata < 1.0 and c.chip_nodata <= max_nodata


def select_scenes(candidates: list[Candidate], *, n_candidates: int | None = None, max_nodata: float = 0.5,
                  total: int = SCENES_PER_YEAR) -> Selection:
    """Apply steps 3–5 to probed candidates (those not probed are ignored); see the module docstring."""
    probed_ones = [c for c in candidates if c.chip_nodata is not None]
    best_of_day: dict[date, Candidate] = {}
    for c in sorted((c for c in probed_ones if is_usable(c, max_nodata)), key=_rank):
        best_of_day.setdefault(c.day, c)
    usable = sorted(best_of_day.values(), key=_rank)
    picks: list[Pick] = []
    missing = []
    for month in range(1, 13):
        of_month = [c for c in usable if c.day.month == month]
        if of_month:
            picks.append(Pick(of_month[0], MONTH_PICK))  # already in rank order
        else:
            missing.append(month)
    picks = picks[:total]
    chosen = {p.candidate.item_id for p in picks}
    rest = [c for c in usable if c.item_id not in chosen]
    picks += [Pick(c, EXTRA_PICK) for c in rest[: max(0, total - len(picks))]]
    picks.sort(key=lambda p: (p.candidate.day, p.candidate.item_id))
    return Selection(picks=picks, missing_months=missing,
                     n_candidates=len(candidates) if n_candidates is None else n_candidates,
                     n_probed=len(probed_ones), n_usable=len(usable), total=total)
