"""Pure tests of guesslabels.lib.pipeline (training sample, kept windows) and core_raster (grid checks, I/O)."""
import numpy as np
import rasterio

from guesslabels.lib.pipeline import TrainingSample, keep_task_windows
from rasterio.crs import CRS
from rasterio.warp import transform

from guesslabels.lib.raster import covers, describe_map, read_label_tif, vrt_sources, warp_to_chip, write_label_tif
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


def _write(path, codes, crs="EPSG:32632", transform=CHIP, nodata=None):
    with rasterio.open(path, "w", driver="GTiff", dtype=codes.dtype.name, count=1, height=codes.shape[0],
                       width=codes.shape[1], crs=crs, transform=rasterio.Affine(*transform[:6]), nodata=nodata) as dst:
        dst.write(codes, 1)
    return path


def test_warping_a_map_on_the_chip_grid_reads_it_unchanged_and_marks_outside_and_nodata(tmp_path):
    codes = np.random.default_rng(1).integers(1, 9, (100, 120)).astype(np.uint8) * 10
    codes[0, 0] = 255
    path = _write(tmp_path / "ref.tif", codes, nodata=255)
    got, inside = warp_to_chip([path], 32632, CHIP, (256, 256))
    assert got.shape == (256, 256) and inside[:100, :120].sum() == 100 * 120 - 1
    assert not inside[100:].any() and not inside[:, 120:].any() and not inside[0, 0]
    assert np.array_equal(got[:100, :120][inside[:100, :120]], codes[inside[:100, :120]])


def test_a_coarser_map_in_another_crs_is_warped_by_nearest_neighbour(tmp_path):
    # A 30 m map in the next UTM zone: every chip pixel takes the code of the map pixel its centre falls in.
    codes = np.arange(200 * 200, dtype=np.int32).reshape(200, 200)
    left, top = transform(CRS.from_epsg(32632), CRS.from_epsg(32631), [499000.0], [101000.0])
    path = _write(tmp_path / "utm31.tif", codes, crs="EPSG:32631", transform=[30.0, 0, left[0], 0, -30.0, top[0]])
    got, inside = warp_to_chip([path], 32632, CHIP, (256, 256))
    assert inside.all() and set(np.unique(got)) <= set(codes.ravel().tolist())
    rows, cols = np.array([5, 100, 250]), np.array([7, 128, 3])
    xs, ys = rasterio.transform.xy(rasterio.Affine(*CHIP), rows, cols)
    mx, my = transform(CRS.from_epsg(32632), CRS.from_epsg(32631), xs, ys)
    r, c = rasterio.transform.rowcol(rasterio.Affine(30.0, 0, left[0], 0, -30.0, top[0]), mx, my)
    assert got[rows, cols].tolist() == codes[r, c].tolist()
    assert len(np.unique(got)) < 256 * 256 / 8  # ~9 chip pixels per map pixel: codes repeat, never blend


def test_tiles_of_one_map_mosaic_and_a_vrt_names_its_files(tmp_path):
    codes = np.random.default_rng(2).integers(1, 5, (256, 256)).astype(np.uint8)
    whole = _write(tmp_path / "whole.tif", codes)
    west = _write(tmp_path / "west.tif", np.ascontiguousarray(codes[:, :128]))
    east = _write(tmp_path / "east.tif", np.ascontiguousarray(codes[:, 128:]),
                  transform=[10.0, 0, CHIP[2] + 1280, 0, -10.0, CHIP[5]])
    assert np.array_equal(warp_to_chip([west, east], 32632, CHIP, (256, 256))[0],
                          warp_to_chip([whole], 32632, CHIP, (256, 256))[0])
    vrt = tmp_path / "map.vrt"
    vrt.write_text('<VRTDataset rasterXSize="256" rasterYSize="256"><VRTRasterBand dataType="Byte" band="1">'
                   '<SimpleSource><SourceFilename relativeToVRT="1">west.tif</SourceFilename></SimpleSource>'
                   f'<SimpleSource><SourceFilename relativeToVRT="0">{east}</SourceFilename></SimpleSource>'
                   '</VRTRasterBand></VRTDataset>')
    assert vrt_sources(vrt) == [tmp_path / "west.tif", east]
    assert covers(describe_map(east), 32632, [CHIP[2], CHIP[5] - 2560, CHIP[2] + 2560, CHIP[5]])
    assert not covers(describe_map(east), 32632, [CHIP[2] - 9000, CHIP[5] - 2560, CHIP[2] - 6440, CHIP[5]])
