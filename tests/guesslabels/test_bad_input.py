"""Bad input for train_guess_labels: a clear message each time, and nothing half-written."""
import numpy as np
import pytest
import rasterio
from django.core.management.base import CommandError

from guesslabels.models import GuessLabel, ReferenceRaster, TrainingRun

from tests.guesslabels.conftest import run_command


def train(*args):
    return run_command("train_guess_labels", "--sync", *args)


def assert_nothing_stored(stored_files):
    assert not GuessLabel.objects.exists()
    assert stored_files("guess") == [] and stored_files("models") == []


@pytest.fixture
def turkey_scl(shared_data):
    with rasterio.open(shared_data / "landcovernet_s2_chips" / "chipA_epsg32636_SCL.tif") as src:
        return src.read(1)


def test_a_tile_without_reference_raster_is_refused(turkey_chip, stored_files):
    with pytest.raises(CommandError, match="tile 36SWF has no reference raster; register one"):
        train("--tile", "36SWF")
    assert not TrainingRun.objects.exists()
    assert_nothing_stored(stored_files)


def test_no_tile_with_a_reference_at_all_is_refused(turkey_chip):
    with pytest.raises(CommandError, match="no tile has a reference raster"):
        train()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epsg": 32635}, "reference is in EPSG:32635, the chip in EPSG:32636; reproject it first"),
        ({"shift": (0.5, 0.0)}, r"offset by \(-0.500, 0.000\) reference pixels: not on the same grid"),
        ({"shift": (300.0, 0.0)}, "does not cover the chip at all"),
    ],
)
def test_a_reference_on_another_grid_or_crs_is_refused(turkey_chip, write_reference, stored_files, kwargs, message):
    path = write_reference(turkey_chip, np.full((256, 256), 60, np.uint8), **kwargs)
    with pytest.raises(CommandError, match=message):
        train("--tile", "36SWF", "--reference", path)
    assert not ReferenceRaster.objects.exists() and stored_files("references") == []


def test_a_reference_code_missing_from_the_mapping_table_is_refused(turkey_chip, write_reference, stored_files):
    codes = np.full((256, 256), 60, np.uint8)
    codes[0, 0] = 15
    with pytest.raises(CommandError, match=r"reference codes \[15\] are not in mapping table globeland30.csv"):
        train("--tile", "36SWF", "--reference", write_reference(turkey_chip, codes))
    assert not ReferenceRaster.objects.exists() and stored_files("references") == []


def test_a_mapping_table_that_is_not_one_is_refused(turkey_chip, write_reference, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code;class\n10;6\n")
    with pytest.raises(CommandError, match="expected columns source_code,target_class"):
        train("--tile", "36SWF", "--reference", write_reference(turkey_chip, np.full((256, 256), 60, np.uint8)),
              "--mapping", bad)


def test_one_class_left_after_the_scl_filter_fails_the_run_and_writes_nothing(turkey_chip, write_reference,
                                                                             stored_files):
    # All water in the reference: only pixels the SCL also calls water survive, so one class is left.
    path = write_reference(turkey_chip, np.full((256, 256), 60, np.uint8))
    with pytest.raises(CommandError, match=r"only 1 class left after filtering \(\[1\]\)"):
        train("--tile", "36SWF", "--reference", path)
    run = TrainingRun.objects.get()
    assert run.status == "failed" and "only 1 class left" in run.error
    assert_nothing_stored(stored_files)


def test_too_few_pixels_of_a_class_for_a_stratified_split_fails_the_run(turkey_chip, turkey_scl, write_reference,
                                                                        stored_files):
    codes = np.full((256, 256), 60, np.uint8)
    r, c = np.argwhere(turkey_scl == 4)[0]  # one pixel the SCL calls vegetation: forest agrees with it
    codes[r, c] = 20
    with pytest.raises(CommandError, match=r"too few pixels for a stratified split in classes \{5: 1\}"):
        train("--tile", "36SWF", "--reference", write_reference(turkey_chip, codes))
    assert_nothing_stored(stored_files)


def test_a_chip_without_any_valid_observation_fails_the_run(db, shared_data, write_reference, stored_files):
    from imagery.models import Chip

    run_command("ingest_chips", shared_data / "landcovernet_s2_chips", "--date", "2018-06-01")
    cloudy = Chip.objects.get(id="52UEA_08")  # SCL 8/9/10 everywhere
    with pytest.raises(CommandError, match="chip 52UEA_08 has no valid observation on any of its 1 scene"):
        train("--tile", "52UEA", "--reference", write_reference(cloudy, np.full((256, 256), 20, np.uint8)))
    assert TrainingRun.objects.get().status == "failed"
    assert_nothing_stored(stored_files)


def test_the_scl_agreement_filter_keeps_exactly_the_agreeing_pixels_of_a_real_chip(turkey_chip, turkey_scl,
                                                                                   write_reference):
    codes = np.full((256, 256), 60, np.uint8)  # water on the right half ...
    codes[:, :128] = 90  # ... bare land on the left
    train("--tile", "36SWF", "--reference", write_reference(turkey_chip, codes))
    run = TrainingRun.objects.get()
    assert run.status == "done", run.error
    # One date: the annual SCL class is that date's class where it is valid.
    assert run.metrics["class_counts_before_filter"] == {"1": 128 * 256, "3": 128 * 256}
    assert run.metrics["class_counts_after_filter"] == {
        "1": int((turkey_scl[:, 128:] == 6).sum()),
        "3": int((turkey_scl[:, :128] == 5).sum()),
    }
    assert run.notices == []  # the chip has SCL: the filter ran
