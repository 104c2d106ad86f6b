"""imagery.selectors: scene windows and chip stacks read back from COGs in storage."""

from datetime import date

import numpy as np
import pytest
import rasterio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from imagery.lib import cog
from imagery.lib.domain import ABSENT, SCENE_BAND_COUNT
from imagery.models import Chip, Scene, Tile
from imagery.selectors import read_chip_stack, read_scene_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_scene_stack(shared_data):
    """chipA's real bands and SCL as a 12-band scene (no cloud mask)."""
    folder = shared_data / "landcovernet_s2_chips"
    with rasterio.open(folder / "chipA_epsg32636_bands10.tif") as src:
        bands, transform = src.read(), tuple(src.transform)[:6]
    with rasterio.open(folder / "chipA_epsg32636_SCL.tif") as src:
        scl = src.read(1)
    stack = np.concatenate([bands, scl[None].astype(np.uint16), np.full((1, 256, 256), ABSENT, np.uint16)])
    return stack, transform


def _chip_with_scenes(stack, transform, dates):
    tile = Tile.objects.create(id="36SWF", epsg=32636, continent="Asia")
    chip = Chip.objects.create(id="36SWF_00", tile=tile, epsg=32636, transform=list(transform),
                               bounds=[0, 0, 1, 1])
    for i, day in enumerate(dates):
        data = cog.write_scene_cog(stack + i, 32636, transform, day.isoformat())
        name = default_storage.save(f"scenes/test/{chip.id}/{day}.tif", ContentFile(data))
        Scene.objects.create(chip=chip, date=day, cloud_fraction=0.5, file=name, has_scl=True)
    return chip


def test_a_task_window_reads_all_twelve_bands_of_that_window(real_scene_stack):
    stack, transform = real_scene_stack
    chip = _chip_with_scenes(stack, transform, [date(2018, 5, 1)])
    window = read_scene_window(chip.scenes.get(), (64, 96, 32, 32))
    assert window.shape == (SCENE_BAND_COUNT, 32, 32) and window.dtype == np.uint16
    np.testing.assert_array_equal(window, stack[:, 64:96, 96:128])


def test_chip_stack_is_ordered_by_date(real_scene_stack):
    stack, transform = real_scene_stack
    dates = [date(2018, 9, 1), date(2018, 3, 1)]
    chip = _chip_with_scenes(stack, transform, dates)  # scene i holds stack + i
    cube, got = read_chip_stack(chip)
    assert got == sorted(dates)
    assert cube.shape == (2, SCENE_BAND_COUNT, 256, 256)
    np.testing.assert_array_equal(cube[0], stack + 1)  # March was written second
    np.testing.assert_array_equal(cube[1], stack)


def test_a_window_outside_the_chip_is_refused(real_scene_stack):
    stack, transform = real_scene_stack
    chip = _chip_with_scenes(stack, transform, [date(2018, 5, 1)])
    with pytest.raises(ValueError, match="not inside"):
        read_scene_window(chip.scenes.get(), (240, 0, 32, 32))


def test_the_scene_file_is_a_tiled_deflate_cog(real_scene_stack):
    stack, transform = real_scene_stack
    chip = _chip_with_scenes(stack, transform, [date(2018, 5, 1)])
    with rasterio.open(default_storage.path(chip.scenes.get().file.name)) as src:
        assert src.block_shapes[0] == (32, 32)
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert src.compression.name.lower() == "deflate"
        assert src.crs.to_epsg() == 32636 and tuple(src.transform)[:6] == transform


def test_a_storage_without_local_paths_is_read_through_its_file_objects(real_scene_stack, monkeypatch):
    """A storage with neither local paths nor S3 ranges: the COG comes through `storage.open()` (S3 itself is read
    by ranges: tests/s3)."""
    from imagery import stored_files

    stack, transform = real_scene_stack
    chip = _chip_with_scenes(stack, transform, [date(2018, 5, 1)])
    monkeypatch.setattr(stored_files, "local_path", lambda name: None)
    np.testing.assert_array_equal(read_scene_window(chip.scenes.get(), (0, 224, 32, 32)), stack[:, :32, 224:])
