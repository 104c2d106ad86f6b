"""Pure tests of guesslabels.lib.pipeline (training sample, kept windows) and core_raster (grid checks, I/O)."""
import numpy as np
import pytest
import rasterio

from guesslabels.lib.pipeline import TrainingSample, keep_task_windows
from guesslabels.lib.raster import GridMismatch, chip_offset, read_label_tif, read_reference_window, write_label_tif
from guesslabels.lib.features import ChipFeatures

CHIP = [10.0, 0.0, 500000.0, 0.0, -10.0, 100000.0]


def chip(n, value=None, scl=None, has_obs=None):
    block = np.tile(np.arange(n, dtype=np.float32), (240, 1)) if value is None else np.full((240, n), value, np.float32)
    return ChipFeatures(block.T, np.ones(n, bool) if has_obs is None else has_obs, scl)


def test_the_sample_keeps_every_filtered_pixel_below_the_cap_with_its_features():
    s = TrainingSample(cap=100)
    mapped = np.array([0, 5, 5, 1, 7, 7])
    s.add(chip(6, has_obs=np.array([1, 1, 1, 1, 1, 0], bool)), mapped)
    X, y = s.arrays()
    assert y.tolist() == [1, 5, 5, 7] and X.shape == (4, 240)
    assert sorted(X[y == 5, 0].tolist()) == [1.0, 2.0] and X[y == 7, 3].tolist() == [4.0]
    assert s.counts_before == {1: 1, 5: 2, 7: 2} and s.counts_after == {1: 1, 5: 2, 7: 1}


def test_the_sample_caps_each_class_uniformly_across_chips():
    s = TrainingSample(cap=1000, seed=1)
    for i in range(10):  # chip i holds 500 px of class 5 with feature value i, and 20 px of class 1
        s.add(chip(520, value=float(i)), np.r_[np.full(500, 5), np.full(20, 1)])
    X, y = s.arrays()
    assert (y == 5).sum() == 1000 and (y == 1).sum() == 200
    per_chip = np.bincount(X[y == 5, 0].astype(int), minlength=10)
    assert per_chip.min() > 60 and per_chip.max() < 140  # about 100 from each chip, not the first chips only
    assert s.counts_after == {1: 200, 5: 5000}


def test_the_sample_applies_the_scl_filter_and_counts_chips_without_scl():
    s = TrainingSample()
    s.add(chip(3, scl=np.array([6, 4, 4], np.uint8)), np.array([1, 1, 5]))
    s.add(chip(2), np.array([1, 5]))
    assert s.counts_after == {1: 2, 5: 2} and s.chips_without_scl == 1


def test_edited_tasks_keep_their_old_window_and_the_rest_takes_the_new_guess():
    old, new = np.full((256, 256), 5, np.uint8), np.full((256, 256), 7, np.uint8)
    out = keep_task_windows(new, old, [(0, 1), (7, 7)])
    assert (out[0:32, 32:64] == 5).all() and (out[224:, 224:] == 5).all()
    assert (out == 7).sum() == 256 * 256 - 2 * 32 * 32
    assert (keep_task_windows(new, None, [(0, 1)]) == 7).all()


def test_a_label_raster_round_trips_with_grid_and_windows():
    labels = np.random.default_rng(0).integers(0, 8, (256, 256)).astype(np.uint8)
    data = write_label_tif(labels, 32632, CHIP)
    assert (read_label_tif(data) == labels).all()
    assert (read_label_tif(data, (32, 64, 32, 32)) == labels[32:64, 64:96]).all()
    with rasterio.MemoryFile(data) as f, f.open() as src:
        assert src.crs.to_epsg() == 32632 and list(src.transform)[:6] == CHIP and src.nodata == 0
        assert src.colormap(1)[1] == (0, 0, 255, 255)


def ref(epsg=32632, transform=CHIP, height=300, width=300):
    return {"epsg": epsg, "transform": transform, "height": height, "width": width}


def test_a_chip_on_the_reference_grid_gets_its_pixel_offset():
    big = [10.0, 0.0, 499000.0, 0.0, -10.0, 100500.0]
    assert chip_offset(ref(transform=big), 32632, CHIP) == (50, 100)


@pytest.mark.parametrize("reference, message", [
    (ref(epsg=32633), "EPSG:32633, the chip in EPSG:32632"),
    (ref(transform=[20.0, 0, 500000, 0, -20.0, 100000]), "reference pixels are 20×20 m, the chip's 10×10 m"),
    (ref(transform=[10.0, 0, 500003, 0, -10.0, 100000]), r"offset by \(-?0.000, -0.300\) reference pixels"),
    (ref(transform=[10.0, 0.5, 500000, 0, -10.0, 100000]), "rotated grids"),
])
def test_a_reference_off_the_chip_grid_is_refused(reference, message):
    with pytest.raises(GridMismatch, match=message):
        chip_offset(reference, 32632, CHIP)


def test_reading_a_reference_window_marks_pixels_outside_it_and_its_nodata(tmp_path):
    path = tmp_path / "ref.tif"
    codes = np.full((100, 120), 20, np.uint8)
    codes[0, 0] = 255
    with rasterio.open(path, "w", driver="GTiff", dtype="uint8", count=1, height=100, width=120, crs="EPSG:32632",
                       transform=rasterio.Affine(*CHIP), nodata=255) as dst:
        dst.write(codes, 1)
    got, inside = read_reference_window(path, ref(height=100, width=120), 32632, CHIP, (256, 256))
    assert got.shape == (256, 256) and inside[:100, :120].sum() == 100 * 120 - 1
    assert not inside[100:].any() and not inside[:, 120:].any() and not inside[0, 0]
    assert (got[inside] == 20).all()
