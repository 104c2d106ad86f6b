"""The Earth Search naming (asset keys `blue`, `nir08`, `scl`, …; raster:bands offsets) through the same path."""
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from imagery.lib.domain import BANDS, SCL_BAND
from imagery.models import Chip, SceneAcquisition
from imagery.selectors import read_chip_stack
from tests.acquire import stac_data

pytestmark = pytest.mark.django_db


def test_earth_search_items_give_the_same_bands_and_report_a_short_year(es_catalog):
    left, bottom, right, top = stac_data.area_chip_bounds(es_catalog.built, 0, 1)
    out = StringIO()
    call_command("acquire_chips", "--chip-id", "13TDE_01", "--bounds", f"{left},{bottom},{right},{top}", "--epsg",
                 "32613", "--year", "2024", "--catalog", es_catalog.stac_url, "--collection", "sentinel-2-c1-l2a",
                 "--asset-map", "earth-search", stdout=out, verbosity=0)
    chip = Chip.objects.get(id="13TDE_01")
    assert chip.acquisition.short_by > 0
    assert chip.acquisition.missing_months == [1, 2, 5, 6, 7, 8, 9, 10, 11, 12]  # 10 Items: 31 March – 22 April
    assert "scene(s) short of the rule's total" in out.getvalue()
    stack, dates = read_chip_stack(chip)
    assert len(dates) == 24 - chip.acquisition.short_by
    for i, day in enumerate(dates):
        reason = SceneAcquisition.objects.get(scene__chip=chip, scene__date=day)
        bands, scl = stac_data.chip_truth(es_catalog.built, reason.item_id, 0, 1)
        np.testing.assert_array_equal(stack[i, : len(BANDS)], bands)  # raster:bands offset -0.1 → -1000 DN
        np.testing.assert_array_equal(stack[i, SCL_BAND], scl)
        assert reason.dn_offset == -1000
