"""One pixel through a year of scenes (pure): reflectance, NDVI, NDWI, SCL and usability per scene."""

import numpy as np

from imagery.lib.domain import ABSENT, BAND_INDEX, CLOUD_MASK_BAND, REFLECTANCE_SCALE, SCL_BAND
from imagery.lib.observations import usable


def _nd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a − b)/(a + b), NaN where undefined (callers turn NaN into null)."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    total = a + b
    return np.divide(a - b, total, out=np.full_like(total, np.nan), where=total > 0)


def pixel_series(values: np.ndarray) -> dict[str, np.ndarray]:
    """`values`: (n_scenes, 12) uint16 — one pixel of every scene in COG layout.

    Returns arrays of length n_scenes: reflectance (n, 10) float (NaN where no data), ndvi, ndwi (NaN where
    undefined), scl (int, -1 where the scene had none), valid (has data, SCL not invalid, not masked cloudy).
    """
    dn = values[:, :SCL_BAND]
    reflectance = np.where(dn > 0, dn / REFLECTANCE_SCALE, np.nan)
    scl = values[:, SCL_BAND]
    scl_present = scl != ABSENT
    valid = usable(dn, scl, values[:, CLOUD_MASK_BAND], band_axis=1)
    return {
        "reflectance": reflectance,
        "ndvi": _nd(dn[:, BAND_INDEX["B08"]], dn[:, BAND_INDEX["B04"]]),
        "ndwi": _nd(dn[:, BAND_INDEX["B03"]], dn[:, BAND_INDEX["B08"]]),
        "scl": np.where(scl_present, scl.astype(np.int64), -1),
        "valid": valid,
    }
