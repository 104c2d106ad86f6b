"""One date grid per campaign year (pure, no Django): where in the year a date sits, and the fixed positions every
chip's features are rebuilt at, whatever dates it has, so that feature columns mean the same date on every chip.
Acquisition selects scenes near these positions; guess labels interpolate onto them."""

from __future__ import annotations

import datetime as dt

import numpy as np

DATES_PER_YEAR = 24  # LandCoverNet: 24 scenes a year, about two a month


def year_positions(dates: list[dt.date]) -> np.ndarray:
    """Position of each date inside its year, in [0, 1) (mid-day), so that series of any year line up."""
    out = np.empty(len(dates), dtype=np.float64)
    for i, d in enumerate(dates):
        out[i] = (d.timetuple().tm_yday - 0.5) / (366 if _is_leap(d.year) else 365)
    return out


def grid_positions(n: int = DATES_PER_YEAR) -> np.ndarray:
    """The n fixed positions of the grid: centres of n equal parts of the year (about the 8th and 23rd of each
    month for n = 24)."""
    return (np.arange(n, dtype=np.float64) + 0.5) / n


def grid_dates(year: int, n: int = DATES_PER_YEAR) -> list[dt.date]:
    """The grid's positions as dates of `year` (what acquisition aims for)."""
    days = 366 if _is_leap(year) else 365
    start = dt.date(year, 1, 1)
    return [start + dt.timedelta(days=int(p * days)) for p in grid_positions(n)]


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
