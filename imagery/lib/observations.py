"""Which observation (one pixel of one scene) has data, is cloudy, is usable: the one rule every layer imports
(ingest's cloud fraction and stretch, the layers' cloud drawing and valid fraction, the pixel series, the model's
features). Pure numpy, no Django.

Arrays: `reflectance` holds the ten bands along `band_axis` (DN, 0 = no data); `scl` and `cloud_mask` have the same
shape without that axis, ABSENT where the scene had no such layer. The SCL decides where present; scenes without SCL
(L1C) fall back to the binary cloud mask (1 = cloud); a scene with neither counts as clear (e.g. cloud-free
composites). The SCL code sets are imagery.lib.domain.SCL_CLOUDY and SCL_INVALID.
"""

from __future__ import annotations

import numpy as np

from imagery.lib.domain import ABSENT, SCL_CLOUDY, SCL_INVALID, SCL_NO_DATA


def observed(reflectance: np.ndarray, *, band_axis: int) -> np.ndarray:
    """True where some reflectance band holds a value (imagery is there, whatever SCL says)."""
    if reflectance.dtype.kind in "ui":  # an OR over bands beats any(): no cast of every value to bool
        return np.bitwise_or.reduce(reflectance, axis=band_axis) != 0
    return reflectance.any(axis=band_axis)


def has_data(reflectance: np.ndarray, scl: np.ndarray, *, band_axis: int) -> np.ndarray:
    """True where the pixel was observed and SCL (when present) does not say no data."""
    return observed(reflectance, band_axis=band_axis) & (scl != SCL_NO_DATA)


def cloudy(scl: np.ndarray, cloud_mask: np.ndarray | None = None) -> np.ndarray:
    """True where SCL says cloud, shadow or defective; where SCL is absent, where the cloud mask says cloud."""
    from_scl = np.isin(scl, SCL_CLOUDY)
    if cloud_mask is None:
        return from_scl
    return from_scl | ((scl == ABSENT) & (cloud_mask == 1))


def usable(reflectance: np.ndarray, scl: np.ndarray, cloud_mask: np.ndarray | None, *, band_axis: int) -> np.ndarray:
    """True where an observation can be used: `has_data(...) & ~cloudy(...)`, computed in one cheap pass.

    cloud_mask None: the caller knows SCL is present everywhere (the cloud mask cannot matter).
    """
    valid = observed(reflectance, band_axis=band_axis)
    # Bit `code` of _SCL_INVALID_BITS (codes above 15, e.g. ABSENT, are never invalid), kept in uint8: bit 0 survives
    # the cast, and half-size temporaries.
    scl_bad = np.minimum(scl, 15, out=np.empty(scl.shape, np.uint8), casting="unsafe")
    np.right_shift(_SCL_INVALID_BITS, scl_bad, out=scl_bad, casting="unsafe")
    if cloud_mask is None:
        valid &= (scl_bad & 1) == 0
        return valid
    scl_bad &= 1
    valid &= np.where(scl != ABSENT, scl_bad == 0, cloud_mask != 1)
    return valid


# One bit per invalid SCL code (cheaper than a lookup table: shifts vectorize, gathers do not).
_SCL_INVALID_BITS = np.uint16(sum(1 << code for code in SCL_INVALID))
assert max(SCL_INVALID) < 15
