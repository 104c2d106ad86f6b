"""The rule-based guess, for chips no model covers yet (pure numpy, no Django): never a blank task.

From a chip's features (the year rebuilt on the date grid) and its annual SCL class, per pixel:
  1. water where the annual SCL class is water, or (no SCL) the median NDWI = (B03 - B08) / (B03 + B08) > 0.1;
  2. snow / ice where the SCL class is snow, or (no SCL) the median NDSI = (B03 - B11) / (B03 + B11) > 0.4 with
     B03 > 0.3;
  3. natural bare ground where NDVI = (B08 - B04) / (B08 + B04) never reaches 0.25 over the year (LandCoverNet's
     "bare": vegetation below 10 % all year), or the SCL class is not-vegetated and NDVI stays below 0.35;
  4. the rest is vegetation: woody where NDVI stays above 0.5 all year (evergreen canopy), cultivated where it
     swings by more than 0.4 over the year (sowing and harvest), (semi) natural otherwise.
Artificial surfaces are not told from bare ground by these indices; annotators correct them. Pixels without any
valid observation stay 0 (no data), as with a model.
"""

from __future__ import annotations

import numpy as np

from guesslabels.lib.features import N_DATES, ChipFeatures
from imagery.lib.domain import BANDS, NO_DATA, SCL_NOT_VEGETATED, SCL_SNOW, SCL_WATER

WATER_NDWI = 0.1
SNOW_NDSI, SNOW_GREEN = 0.4, 0.3
BARE_MAX_NDVI, NOT_VEGETATED_MAX_NDVI = 0.25, 0.35
WOODY_MIN_NDVI = 0.5
CULTIVATED_SWING = 0.4


def _band(cf: ChipFeatures, name: str) -> np.ndarray:
    b = BANDS.index(name)
    return cf.features[:, b * N_DATES : (b + 1) * N_DATES]  # (N, 24) reflectance on the date grid


def _index(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a - b) / np.maximum(a + b, 1e-6)


def rule_guess(cf: ChipFeatures) -> np.ndarray:
    """(N,) uint8 LandCoverNet classes by the rules above."""
    green, red, nir, swir = (_band(cf, b) for b in ("B03", "B04", "B08", "B11"))
    ndvi = _index(nir, red)
    ndvi_max, ndvi_min = ndvi.max(axis=1), ndvi.min(axis=1)
    scl = cf.scl_class if cf.scl_class is not None else np.zeros(len(ndvi), np.uint8)
    no_scl = scl == 0
    water = (scl == SCL_WATER) | (no_scl & (np.median(_index(green, nir), axis=1) > WATER_NDWI))
    snow = (scl == SCL_SNOW) | (no_scl & (np.median(_index(green, swir), axis=1) > SNOW_NDSI)
                                & (np.median(green, axis=1) > SNOW_GREEN))
    bare = (ndvi_max < BARE_MAX_NDVI) | ((scl == SCL_NOT_VEGETATED) & (ndvi_max < NOT_VEGETATED_MAX_NDVI))
    out = np.full(len(ndvi), 7, np.uint8)
    out[ndvi_max - ndvi_min > CULTIVATED_SWING] = 6
    out[ndvi_min > WOODY_MIN_NDVI] = 5
    out[bare] = 3
    out[snow] = 4
    out[water] = 1
    out[~cf.has_obs] = NO_DATA
    return out
