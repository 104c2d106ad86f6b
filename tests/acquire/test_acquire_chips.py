"""acquire_chips against a real STAC API (rustac) and a real range-answering HTTP server, on loopback.

The 100 real Planetary Computer Items of 13TDE (2024) are served by `rustac serve`; their COGs (real 29RKH pixels
and SCL, a different sub-window per date, no data outside each Item's real swath) by RangeServer."""
from io import StringIO

import numpy as np
import pytest
import rasterio
from django.core.management import CommandError, call_command

from imagery.lib.domain import BANDS, SCL_BAND
from imagery.models import Chip, ChipAcquisition, Scene, SceneAcquisition
from imagery.selectors import read_chip_stack
from tests.acquire import stac_data
from tests.acquire.oracle import oracle_selection

pytestmark = pytest.mark.django_db

WEST, EAST = (0, 0), (0, 1)  # the test area's two chips: outside orbit 98's swath / across its edge


def chip_id_of(pos) -> str:
    row = stac_data.AREA_ROW // 256 + pos[0]
    col = stac_data.AREA_COL // 256 + pos[1]
    return f"13TDE_{row * 43 + col:04d}"  # any <tile>_<nn> id; this one is the cut-grid index of the full tile


def acquire(live, pos, *extra, catalog="planetary-computer"):
    left, bottom, right, top = stac_data.area_chip_bounds(live.built, *pos)
    out, err = StringIO(), StringIO()
    call_command("acquire_chips", "--chip-id", chip_id_of(pos), "--bounds", f"{left},{bottom},{right},{top}",
                 "--epsg", "32613", "--year", "2024", "--catalog", catalog, "--stac-url", live.stac_url, *extra,
                 stdout=out, stderr=err, verbosity=0)
    return out.getvalue() + err.getvalue()


def expected(live, pos, max_tile_cloud=90.0, max_nodata=0.5):
    items = [dict(id=it["id"], day=np.datetime64(it["properties"]["datetime"][:10]).astype(object),
                  tile_cloud=it["properties"]["eo:cloud_cover"], scl=stac_data.chip_scl20(live.built, it["id"], *pos))
             for it in live.built.items]
    return oracle_selection(items, max_tile_cloud=max_tile_cloud, max_nodata=max_nodata)


def items_by_id(live):
    return {it["id"]: it for it in live.built.items}


def test_a_chip_comes_out_with_the_selected_dates_the_source_pixels_and_the_reasons(fresh, client, admin_user):
    out = acquire(fresh, EAST)
    chip = Chip.objects.get(id=chip_id_of(EAST))
    want, missing = expected(fresh, EAST)
    got = {a.item_id: a.pick for a in SceneAcquisition.objects.filter(scene__chip=chip)}
    assert got == want and len(got) == 24
    assert missing == [1, 2] and chip.acquisition.missing_months == [1, 2] and chip.acquisition.short_by == 0
    assert "no usable scene in Jan, Feb" in out
    stack, dates = read_chip_stack(chip)
    items = items_by_id(fresh)
    for i, day in enumerate(dates):
        reason = SceneAcquisition.objects.get(scene__chip=chip, scene__date=day)
        item = items[reason.item_id]
        assert item["properties"]["datetime"][:10] == day.isoformat()
        bands, scl = stac_data.chip_truth(fresh.built, reason.item_id, *EAST)
        # 20 m bands and SCL nearest-resampled to 10 m; the +1000 offset of baseline 05.x taken off
        np.testing.assert_array_equal(stack[i, : len(BANDS)], bands)
        np.testing.assert_array_equal(stack[i, SCL_BAND], scl)
        assert reason.dn_offset == -1000
        assert reason.tile_cloud_pct == pytest.approx(item["properties"]["eo:cloud_cover"])
        scl20 = stac_data.chip_scl20(fresh.built, reason.item_id, *EAST)
        assert reason.chip_nodata_pct == pytest.approx(100 * (scl20 == 0).mean())
    assert chip.tasks.count() == 64
    # the admin shows each scene's reasons and the chip's missing months
    client.force_login(admin_user)
    page = client.get(f"/admin/imagery/chip/{chip.pk}/change/").content.decode()
    assert "onths without a usable scene" in page and "Jan, Feb" in page
    assert page.count(">month<") == 10 and page.count(">extra<") == 14
    listing = client.get("/admin/imagery/scene/", {"acquisition__pick": "month"}).content.decode()
    assert "10 scenes" in listing


def _blocks(path):
    """(offset, size, overlaps-the-west-chip) of every block of a served COG."""
    with rasterio.open(path) as src:
        rows, cols = -(-src.height // src.block_shapes[0][0]), -(-src.width // src.block_shapes[0][1])
        bh, bw = src.block_shapes[0]
        chip_cols = src.width // 2  # the west chip is the left half of the test area
        for r in range(rows):
            for c in range(cols):
                offset = int(src.get_tag_item(f"BLOCK_OFFSET_{c}_{r}", "TIFF", bidx=1) or 0)
                size = int(src.get_tag_item(f"BLOCK_SIZE_{c}_{r}", "TIFF", bidx=1) or 0)
                yield offset, size, c * bw < chip_cols


def test_outside_the_swath_only_blocks_overlapping_the_window_of_the_chips_own_choice_are_read(fresh):
    """One acquisition of the western chip, two checks: the choice (the chip, not the tile, decides) and the reads."""
    acquire(fresh, WEST)
    chip = Chip.objects.get(id=chip_id_of(WEST))
    items = items_by_id(fresh)
    orbits = {items[a.item_id]["properties"]["sat:relative_orbit"]
              for a in SceneAcquisition.objects.filter(scene__chip=chip)}
    assert orbits == {141}  # orbit 98 reports the tile's clearest scenes, but this chip lies outside its swath
    want, _ = expected(fresh, WEST)
    assert {a.item_id: a.pick for a in SceneAcquisition.objects.filter(scene__chip=chip)} == want
    chosen = set(SceneAcquisition.objects.filter(scene__chip=chip).values_list("item_id", flat=True))
    gets = [r for r in fresh.http.requests if r.method == "GET"]
    assert gets and all(r.status == 206 for r in gets)  # never a whole file
    band_files = {r.path for r in gets if not r.path.endswith("/SCL.tif")}
    assert {p.split("/")[1] for p in band_files} == chosen  # bands only of the chosen scenes
    assert len(band_files) == 10 * len(chosen)
    files_with_block_reads = 0
    for path in {r.path for r in gets}:
        ranges = [(r.start, r.end) for r in gets if r.path == path]
        header = [(s, e) for s, e in ranges if s == 0]  # GDAL's first read: the header and whatever follows it
        assert len(header) == 1 and header[0][1] < 2**15
        blocks = [(s, e) for s, e in ranges if s != 0]
        files_with_block_reads += bool(blocks)
        fetched = lambda a, b, among: any(s <= a and b <= e for s, e in among)
        for offset, size, overlaps in _blocks(fresh.http.root / path.lstrip("/")):
            if size == 0:
                continue
            if overlaps:
                assert fetched(offset, offset + size - 1, ranges), f"{path}: a block under the window was not read"
            else:
                assert not fetched(offset, offset + size - 1, blocks), f"{path}: a block outside the window was read"
    assert files_with_block_reads >= 4 * len(chosen)  # at least the 10 m bands' blocks lie beyond the header


def test_a_server_that_fails_twice_then_succeeds_is_survived(fresh):
    fresh.http.fail("/B8A.tif", 2)
    fresh.http.fail("/SCL.tif", 2)
    acquire(fresh, EAST)
    failures = [r for r in fresh.http.requests if r.status == 503]
    assert len(failures) == 4
    chip = Chip.objects.get(id=chip_id_of(EAST))
    stack, dates = read_chip_stack(chip)
    for i, day in enumerate(dates):
        item_id = SceneAcquisition.objects.get(scene__chip=chip, scene__date=day).item_id
        bands, _ = stac_data.chip_truth(fresh.built, item_id, *EAST)
        np.testing.assert_array_equal(stack[i, BANDS.index("B8A")], bands[BANDS.index("B8A")])


def test_a_server_that_always_fails_gives_a_clear_error_and_stores_nothing_for_that_chip(fresh):
    fresh.http.fail("/B11.tif", None, status=503)
    with pytest.raises(CommandError) as failed:
        acquire(fresh, EAST, "--attempts", "2")
    assert "1 of 1 chip(s) failed and stored nothing" in str(failed.value)
    assert not Chip.objects.exists() and not Scene.objects.exists() and not ChipAcquisition.objects.exists()


def test_the_error_names_the_scene_layer_and_cause(fresh):
    fresh.http.fail("/B11.tif", None, status=503)
    from imagery import services
    from imagery.lib.acquisition import chip_request
    from imagery.lib.stac_catalog import catalog_from
    from lcnet_site.errors import AppError

    request = chip_request(chip_id_of(EAST), 32613, stac_data.area_chip_bounds(fresh.built, *EAST))
    with pytest.raises(AppError) as failed:
        services.chip_acquire(request=request, year=2024, attempts=2, backoff_s=0.01,
                              catalog=catalog_from("planetary-computer", url=fresh.stac_url))
    message = failed.value.message
    assert "B11" in message and "unreadable after 2 attempts" in message and "503" in message
    assert "S2" in message  # the Item id
    assert not Chip.objects.exists()


def test_background_runs_one_task_per_chip_and_a_rerun_transfers_nothing_new(fresh, tmp_path):
    rows = ["chip_id,tile_id,epsg,minx,miny,maxx,maxy"]
    for pos in (WEST, EAST):
        left, bottom, right, top = stac_data.area_chip_bounds(fresh.built, *pos)
        rows.append(f"{chip_id_of(pos)},13TDE,32613,{left},{bottom},{right},{top}")
    windows = tmp_path / "windows.csv"
    windows.write_text("\n".join(rows) + "\n")
    out = StringIO()
    call_command("acquire_chips", str(windows), "--year", "2024", "--catalog", "planetary-computer",
                 "--stac-url", fresh.stac_url, "--background", stdout=out, verbosity=0)
    text = out.getvalue()
    assert f"created {chip_id_of(WEST)}: 24 scene(s)" in text and f"created {chip_id_of(EAST)}: 24 scene(s)" in text
    assert "tile 13TDE: 2 chip(s): 2 created; 2 with missing months or scenes" in text
    assert ChipAcquisition.objects.count() == 2
    # a rerun (inline this time) reads nothing: no request reaches the imagery server
    before = list(Scene.objects.values_list("id", "file"))
    fresh.http.clear()
    out = StringIO()
    call_command("acquire_chips", str(windows), "--year", "2024", "--catalog", "planetary-computer",
                 "--stac-url", fresh.stac_url, stdout=out, verbosity=0)
    assert f"stored {chip_id_of(WEST)}: 24 scene(s)" in out.getvalue()
    assert "0 chip(s) acquired, 2 already stored" in out.getvalue()
    assert fresh.http.requests == []
    assert list(Scene.objects.values_list("id", "file")) == before


@pytest.mark.parametrize("args, message", [
    (["--chip-id", "13TDE_01", "--bounds", "484440,4471840,484450,4474400", "--epsg", "32613"], "2560 m a side"),
    (["--chip-id", "13TDE_01", "--bounds", "484445,4471845,487005,4474405", "--epsg", "32613"], "10 m"),
    (["--chip-id", "32TDE_01", "--bounds", "484440,4471840,487000,4474400", "--epsg", "32613"], "not <tile>_<nn>"),
    (["--point=-105.1"], "--point takes 2"),
    ([], "give the chips one way"),
])
def test_bad_chip_input_is_a_clear_error_and_stores_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("acquire_chips", *args, "--year", "2024", stdout=StringIO(), stderr=StringIO())
    assert not Chip.objects.exists()


def test_an_unknown_catalog_is_a_clear_error():
    with pytest.raises(CommandError, match="unknown catalog"):
        call_command("acquire_chips", "--point=-105.1,40.3", "--year", "2024", "--catalog", "landsat-please",
                     stdout=StringIO())
