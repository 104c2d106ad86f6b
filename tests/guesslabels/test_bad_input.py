"""Bad input for train_guess_labels: a clear message each time, and nothing half-written."""
import numpy as np
import pytest
import rasterio
from django.core.management.base import CommandError

from guesslabels.models import GuessLabel, LandCoverMap, TrainingRun

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


def test_a_tile_without_a_land_cover_map_is_refused(turkey_chip, stored_files):
    with pytest.raises(CommandError, match="tile 36SWF has no land-cover map; register one"):
        train("--tile", "36SWF")
    assert not TrainingRun.objects.exists()
    assert_nothing_stored(stored_files)


def test_no_tile_with_a_land_cover_map_at_all_is_refused(turkey_chip):
    with pytest.raises(CommandError, match="no tile has a land-cover map"):
        train()


def test_a_map_that_covers_no_chip_is_refused(turkey_chip, write_reference, stored_files):
    path = write_reference(turkey_chip, np.full((256, 256), 60, np.uint8), shift=(300.0, 0.0))
    with pytest.raises(CommandError, match="reference.tif covers no chip of any tile"):
        train("--map", path)
    with pytest.raises(CommandError, match="reference.tif does not cover any chip of tile 36SWF"):
        train("--tile", "36SWF", "--map", path)
    assert not LandCoverMap.objects.exists() and stored_files("land_cover_maps") == []


def test_a_map_without_crs_an_unknown_product_and_a_missing_file_are_refused(turkey_chip, tmp_path, stored_files):
    plain = tmp_path / "plain.tif"
    with rasterio.open(plain, "w", driver="GTiff", dtype="uint8", count=1, height=4, width=4) as dst:
        dst.write(np.ones((1, 4, 4), np.uint8))
    with pytest.raises(CommandError, match="plain.tif has no CRS: georeference it first"):
        train("--map", plain)
    with pytest.raises(CommandError, match="no mapping table 'worldcovr'; shipped: .*worldcover"):
        train("--map", plain, "--mapping", "worldcovr")
    with pytest.raises(CommandError, match="nope.tif: no such file"):
        train("--map", tmp_path / "nope.tif")
    assert not LandCoverMap.objects.exists() and stored_files("land_cover_maps") == []


def test_a_reference_code_missing_from_the_mapping_table_is_refused(turkey_chip, write_reference, stored_files):
    codes = np.full((256, 256), 60, np.uint8)
    codes[0, 0] = 15
    with pytest.raises(CommandError, match=r"reference codes \[15\] are not in mapping table globeland30.csv"):
        train("--tile", "36SWF", "--map", write_reference(turkey_chip, codes))
    assert not LandCoverMap.objects.exists() and stored_files("land_cover_maps") == []


def test_a_mapping_table_that_is_not_one_is_refused(turkey_chip, write_reference, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code;class\n10;6\n")
    with pytest.raises(CommandError, match="expected columns source_code,target_class"):
        train("--tile", "36SWF", "--map", write_reference(turkey_chip, np.full((256, 256), 60, np.uint8)),
              "--mapping", bad)


def test_one_class_left_after_the_scl_filter_fails_the_run_and_writes_nothing(turkey_chip, write_reference,
                                                                             stored_files):
    # All water in the reference: only pixels the SCL also calls water survive, so one class is left.
    path = write_reference(turkey_chip, np.full((256, 256), 60, np.uint8))
    with pytest.raises(CommandError, match=r"only 1 class left after filtering \(\[1\]\)"):
        train("--tile", "36SWF", "--map", path)
    run = TrainingRun.objects.get()
    assert run.status == "failed" and "only 1 class left" in run.error
    assert_nothing_stored(stored_files)


def test_a_class_found_in_one_block_only_is_trained_on_but_not_tested(turkey_chip, turkey_scl, write_reference):
    codes = np.full((256, 256), 60, np.uint8)
    r, c = np.argwhere(turkey_scl == 4)[0]  # one pixel the SCL calls vegetation: forest agrees with it
    codes[r, c] = 20
    train("--tile", "36SWF", "--map", write_reference(turkey_chip, codes))
    run = TrainingRun.objects.get()
    assert run.status == "done", run.error
    assert run.metrics["untested_classes"] == [5] and run.metrics["split"].startswith("spatial")
    assert "too few pixels for a stratified split in classes {5: 1}" in run.metrics["random_pixel"]["error"]


def test_a_chip_without_any_valid_observation_fails_the_run(db, shared_data, write_reference, stored_files):
    from imagery.models import Chip

    run_command("ingest_chips", shared_data / "landcovernet_s2_chips", "--date", "2018-06-01")
    cloudy = Chip.objects.get(id="52UEA_08")  # SCL 8/9/10 everywhere
    with pytest.raises(CommandError, match="chip 52UEA_08 has no valid observation on any of its 1 scene"):
        train("--tile", "52UEA", "--map", write_reference(cloudy, np.full((256, 256), 20, np.uint8)))
    assert TrainingRun.objects.get().status == "failed"
    assert_nothing_stored(stored_files)


def test_the_scl_agreement_filter_keeps_exactly_the_agreeing_pixels_of_a_real_chip(turkey_chip, turkey_scl,
                                                                                   write_reference):
    codes = np.full((256, 256), 60, np.uint8)  # water on the right half ...
    codes[:, :128] = 90  # ... bare land on the left
    train("--tile", "36SWF", "--map", write_reference(turkey_chip, codes))
    run = TrainingRun.objects.get()
    assert run.status == "done", run.error
    # One date: the annual SCL class is that date's class where it is valid.
    assert run.metrics["class_counts_before_filter"] == {"1": 128 * 256, "3": 128 * 256}
    assert run.metrics["class_counts_after_filter"] == {
        "1": int((turkey_scl[:, 128:] == 6).sum()),
        "3": int((turkey_scl[:, :128] == 5).sum()),
    }
    assert not any("no SCL" in n for n in run.notices)  # the chip has SCL: the filter ran
    # one date a year: every pixel's year is one observation, reported rather than silently interpolated
    assert run.notices == ["chip 36SWF_00: 100% of its observed pixels have a gap longer than 90 days between valid "
                           "observations (longest 365 days, median 365): its features are interpolated across it"]
