"""acquire_chips --background on a real Celery worker: the chip is searched, read and stored in the worker process."""
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from imagery.lib.domain import BANDS
from imagery.models import Chip, SceneAcquisition
from imagery.selectors import read_chip_stack
from tests.acquire import stac_data

pytestmark = pytest.mark.worker


def test_a_chip_task_runs_on_the_worker_and_its_scenes_are_stored(celery_worker, fresh, tmp_path):
    left, bottom, right, top = stac_data.area_chip_bounds(fresh.built, 0, 0)
    windows = tmp_path / "windows.csv"
    windows.write_text("chip_id,tile_id,epsg,minx,miny,maxx,maxy\n"
                       f"13TDE_0463,13TDE,32613,{left},{bottom},{right},{top}\n")
    out = StringIO()
    call_command("acquire_chips", str(windows), "--year", "2024", "--catalog", "planetary-computer",
                 "--stac-url", fresh.stac_url, "--background", stdout=out, verbosity=0)
    assert "created 13TDE_0463: 24 scene(s) (10 month picks)" in out.getvalue()
    chip = Chip.objects.get(id="13TDE_0463")
    stack, dates = read_chip_stack(chip)
    for i, day in enumerate(dates):
        item_id = SceneAcquisition.objects.get(scene__chip=chip, scene__date=day).item_id
        bands, _ = stac_data.chip_truth(fresh.built, item_id, 0, 0)
        np.testing.assert_array_equal(stack[i, : len(BANDS)], bands)
    assert any(r.status == 206 for r in fresh.http.requests)  # the worker's reads reached the imagery server
