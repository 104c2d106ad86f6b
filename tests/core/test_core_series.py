"""imagery.lib.series.pixel_series (pure)."""

import numpy as np
import pytest

from imagery.lib.series import pixel_series
from imagery.lib.domain import ABSENT, BAND_INDEX, CLOUD_MASK_BAND, SCL_BAND


def scene_values(bands, scl=ABSENT, mask=ABSENT):
    row = np.zeros(12, dtype=np.uint16)
    row[:SCL_BAND] = bands
    row[SCL_BAND], row[CLOUD_MASK_BAND] = scl, mask
    return row


def test_indices_reflectance_and_validity_per_scene():
    bands = np.arange(1, 11) * 300
    values = np.stack([
        scene_values(bands, scl=4),
        scene_values(bands, scl=9),  # cloud high probability
        scene_values(bands, mask=1),  # no SCL, cloud mask says cloudy
        scene_values(np.zeros(10)),  # no data
    ])
    s = pixel_series(values)
    nir, red, green = bands[BAND_INDEX["B08"]], bands[BAND_INDEX["B04"]], bands[BAND_INDEX["B03"]]
    assert s["ndvi"][0] == pytest.approx((nir - red) / (nir + red))
    assert s["ndwi"][0] == pytest.approx((green - nir) / (green + nir))
    assert s["reflectance"][0, 0] == pytest.approx(0.03)
    assert s["scl"].tolist() == [4, 9, -1, -1]
    assert s["valid"].tolist() == [True, False, False, False]
    assert np.isnan(s["ndvi"][3]) and np.isnan(s["reflectance"][3]).all()
