"""Land-cover maps as users have them: another CRS and resolution (warped by lcnet), several tiles of one map or a
VRT, one map covering several Sentinel-2 tiles, on the real eo-learn patch and LandCoverNet chip."""
import numpy as np
import pytest
import rasterio
from rasterio.warp import Resampling, calculate_default_transform, reproject

from guesslabels import selectors, services
from guesslabels.lib import model
from guesslabels.lib.pipeline import TrainingSample
from guesslabels.models import GuessLabel, LandCoverMap, TrainingRun

from tests.guesslabels.conftest import EOLEARN_MAPPING, run_command

# The paper's two-tree forest on this patch (11 cultivated pixels) swings by +-10 points from seed to seed
# (docs/guesslabels.md), so one run per map says little: the maps are compared on the mean over 8 seeds, each
# fitted exactly as a run fits (same sample, spatial split and forest), from features computed once.
SEEDS = range(8)


def warped_copy(src_path, dst_path, crs="EPSG:4326", metres=30.0):
    """The map reprojected to another CRS at another resolution (nearest), as a user would download it."""
    with rasterio.open(src_path) as src:
        res = metres / 111_320 if crs == "EPSG:4326" else metres
        transform, width, height = calculate_default_transform(src.crs, crs, src.width, src.height, *src.bounds,
                                                               resolution=res)
        out = np.zeros((height, width), np.uint8)
        reproject(src.read(1), out, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
                  dst_crs=crs, resampling=Resampling.nearest)
    with rasterio.open(dst_path, "w", driver="GTiff", height=height, width=width, count=1, dtype="uint8", crs=crs,
                       transform=transform) as dst:
        dst.write(out, 1)
    return dst_path


def mean_accuracy(chip, row) -> float:
    cf = selectors.chip_features_of(chip)
    mapped = services._MapReader(row).classes(chip)
    accuracies = []
    for seed in SEEDS:
        sample = TrainingSample(seed=seed)
        sample.add(cf, mapped, width=chip.width)
        X, y, blocks = sample.arrays_with_blocks()
        accuracies.append(model.train(X, y, seed=seed, groups=blocks)[1]["overall_accuracy"])
    return float(np.mean(accuracies))


@pytest.fixture
def patch(db, shared_data):
    from imagery.models import Chip

    run_command("ingest_chips", shared_data / "eolearn_testeopatch")
    return Chip.objects.get(id="33TVL_00"), shared_data / "eolearn_testeopatch" / "lulc.tif"


def test_a_30_m_map_in_epsg_4326_trains_the_tile_within_a_few_points_of_the_on_grid_map(patch, tmp_path):
    chip, lulc = patch
    run_command("train_guess_labels", "--map", lulc, "--mapping", EOLEARN_MAPPING, "--sync")
    geographic = warped_copy(lulc, tmp_path / "lulc_4326_30m.tif")
    out = run_command("train_guess_labels", "--map", geographic, "--mapping", EOLEARN_MAPPING, "--sync")
    assert "registered land-cover map lulc_4326_30m.tif (eolearn_lulc.csv) for tile(s) 33TVL" in out
    latest, on_grid_row = LandCoverMap.objects.all()[:2]
    assert latest.name == "lulc_4326_30m.tif" and latest.description[0]["crs"] == "EPSG:4326"
    assert [t.pk for t in latest.tiles.all()] == ["33TVL"]
    run = TrainingRun.objects.latest("created_at")  # a tile trains on its latest map
    assert run.status == "done" and run.training_sources["land_cover_maps"] == ["lulc_4326_30m.tif (eolearn_lulc.csv)"]
    assert GuessLabel.objects.get(chip=chip).run == run
    on_grid, warped = mean_accuracy(chip, on_grid_row), mean_accuracy(chip, latest)
    print(f"mean held-out accuracy (spatial split) over seeds 0-7: on-grid {on_grid:.1%}, EPSG:4326 30 m {warped:.1%}")
    assert abs(warped - on_grid) <= 0.05


def test_two_tiles_of_one_map_cover_two_sentinel_2_tiles_and_each_trains(patch, shared_data, tmp_path, turkey_scl):
    chip, lulc = patch
    run_command("ingest_chips", shared_data / "landcovernet_s2_chips", "--date", "2018-06-01")
    from imagery.models import Chip

    turkey = Chip.objects.get(id="36SWF_00")
    # The Turkish tile of the map, at 20 m in its own UTM zone: sea (5) where the chip's SCL says water, bare (9) on
    # the rest (the eo-learn codes of the same table).
    a, b, c, d, e, f = turkey.transform[:6]
    coarse = np.where(turkey_scl[::2, ::2] == 6, 5, 9).astype(np.uint8)
    second = tmp_path / "map_tile_36.tif"
    with rasterio.open(second, "w", driver="GTiff", height=128, width=128, count=1, dtype="uint8",
                       crs=f"EPSG:{turkey.epsg}", transform=rasterio.Affine(20.0, 0, c, 0, -20.0, f)) as dst:
        dst.write(coarse, 1)
    first = warped_copy(lulc, tmp_path / "map_tile_33.tif", crs="EPSG:4326", metres=30.0)
    out = run_command("train_guess_labels", "--map", first, second, "--mapping", EOLEARN_MAPPING, "--sync")
    assert "for tile(s) 33TVL, 36SWF" in out
    row = LandCoverMap.objects.get()
    assert len(row.files) == 2 and sorted(t.pk for t in row.tiles.all()) == ["33TVL", "36SWF"]
    runs = {r.tile_id: r for r in TrainingRun.objects.all()}
    assert set(runs) == {"33TVL", "36SWF"} and all(r.status == "done" for r in runs.values()), \
        {t: r.error for t, r in runs.items()}
    assert runs["36SWF"].metrics["confusion_labels"] == [1, 3]
    assert GuessLabel.objects.get(chip=turkey).source == "tile"


def test_a_vrt_is_stored_as_the_files_it_mosaics(patch, tmp_path):
    chip, lulc = patch
    tif = warped_copy(lulc, tmp_path / "part.tif", crs="EPSG:32633", metres=20.0)
    vrt = tmp_path / "map.vrt"
    vrt.write_text('<VRTDataset rasterXSize="1" rasterYSize="1"><VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
                   '<SourceFilename relativeToVRT="1">part.tif</SourceFilename></SimpleSource></VRTRasterBand>'
                   '</VRTDataset>')
    run_command("train_guess_labels", "--map", vrt, "--mapping", EOLEARN_MAPPING, "--sync")
    row = LandCoverMap.objects.get()
    assert row.name == "map.vrt" and [f.rsplit("/", 1)[-1] for f in row.files] == ["part.tif"]
    assert TrainingRun.objects.get().status == "done"


@pytest.fixture
def turkey_scl(shared_data):
    with rasterio.open(shared_data / "landcovernet_s2_chips" / "chipA_epsg32636_SCL.tif") as src:
        return src.read(1)
