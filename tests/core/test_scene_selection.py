"""The 24-scene rule on its own (imagery.lib.scene_selection), on the real 13TDE Items' dates and cloud covers."""
import json
import zlib
from datetime import date, datetime

import numpy as np
import pytest

from imagery.lib import scene_selection as sel
from tests.acquire.oracle import oracle_selection

SIDE = 128  # the chip's SCL window at 20 m


def real_items(shared_data) -> list[dict]:
    path = shared_data / "stac_s2l2a_13TDE_2024" / "pc_sentinel-2-l2a_13TDE_2024_100items.json"
    out = []
    for f in json.loads(path.read_text())["features"]:
        p = f["properties"]
        out.append(dict(id=f["id"], day=datetime.fromisoformat(p["datetime"].replace("Z", "+00:00")).date(),
                        tile_cloud=p["eo:cloud_cover"], orbit=p["sat:relative_orbit"]))
    return out


def scl_pattern(seed: int, *, nodata_cols: int = 0) -> np.ndarray:
    """A clear/cloud SCL window: a cloudy band of seeded height, `nodata_cols` columns outside the swath."""
    rng = np.random.default_rng(seed)
    scl = np.full((SIDE, SIDE), 4, dtype=np.uint8)
    rows = int(rng.integers(0, SIDE + 1))
    scl[:rows] = rng.choice([3, 8, 9, 10])
    scl[:, SIDE - nodata_cols:] = 0
    return scl


def candidates_with(items, scls) -> list[sel.Candidate]:
    return [sel.probed(sel.Candidate(it["id"], it["day"], it["tile_cloud"]), scls[it["id"]]) for it in items]


def test_chip_figures_count_cloud_among_data_pixels_and_no_data_among_all():
    scl = np.full((SIDE, SIDE), 4, dtype=np.uint8)
    scl[:, :64] = 0  # half outside the swath
    scl[:32, 64:] = 9  # a quarter of the data is high cloud
    cloud, nodata = sel.chip_figures(scl)
    assert nodata == 0.5 and cloud == 0.25
    assert sel.chip_figures(np.zeros((SIDE, SIDE), np.uint8)) == (1.0, 1.0)
    assert sel.chip_figures(np.full((SIDE, SIDE), 1, np.uint8))[0] == 1.0  # saturated/defective counts as cloudy (domain.SCL_CLOUDY)


def test_a_clear_tile_whose_chip_is_outside_the_swath_never_counts():
    clear_tile = sel.probed(sel.Candidate("edge", date(2024, 5, 2), 0.1), np.zeros((SIDE, SIDE), np.uint8))
    cloudy_tile = sel.probed(sel.Candidate("inside", date(2024, 5, 9), 60.0), scl_pattern(1))
    picks = sel.select_scenes([clear_tile, cloudy_tile]).picks
    assert [p.candidate.item_id for p in picks] == ["inside"]


def test_the_chip_not_the_tile_decides_the_month_pick():
    tile_clear_chip_cloudy = np.full((SIDE, SIDE), 8, dtype=np.uint8)
    tile_cloudy_chip_clear = np.full((SIDE, SIDE), 4, dtype=np.uint8)
    a = sel.probed(sel.Candidate("a", date(2024, 6, 3), 0.5), tile_clear_chip_cloudy)
    b = sel.probed(sel.Candidate("b", date(2024, 6, 20), 70.0), tile_cloudy_chip_clear)
    result = sel.select_scenes([a, b], total=1)
    assert [(p.candidate.item_id, p.reason) for p in result.picks] == [("b", sel.MONTH_PICK)]


def test_tile_cloud_is_the_first_filter_and_unknown_cloud_passes():
    items = [sel.Candidate("a", date(2024, 1, 1), 95.0), sel.Candidate("b", date(2024, 1, 2), 10.0),
             sel.Candidate("c", date(2024, 1, 3), None)]
    assert [c.item_id for c in sel.probe_worthy(items, 90.0)] == ["b", "c"]


def test_two_items_of_one_date_keep_the_better_and_fewer_than_24_are_reported():
    clear, cloudy = np.full((SIDE, SIDE), 4, np.uint8), np.full((SIDE, SIDE), 9, np.uint8)
    cands = [sel.probed(sel.Candidate("x-cloudy", date(2024, 7, 1), 1.0), cloudy),
             sel.probed(sel.Candidate("x-clear", date(2024, 7, 1), 50.0), clear),
             sel.probed(sel.Candidate("y", date(2024, 8, 1), 1.0), clear)]
    result = sel.select_scenes(cands)
    assert [p.candidate.item_id for p in result.picks] == ["x-clear", "y"]
    assert result.missing_months == [1, 2, 3, 4, 5, 6, 9, 10, 11, 12]
    assert result.short_by == 22 and not result.complete and result.n_usable == 2


def test_a_chip_mostly_outside_the_swath_is_not_usable_beyond_max_nodata():
    half_out = scl_pattern(3, nodata_cols=80)  # 62.5 % no data
    c = sel.probed(sel.Candidate("a", date(2024, 4, 1), 1.0), half_out)
    assert sel.select_scenes([c], max_nodata=0.5).picks == []
    assert len(sel.select_scenes([c], max_nodata=0.7).picks) == 1


def test_on_the_real_13tde_items_a_western_chip_skips_orbit_98_and_misses_january_and_february(shared_data):
    items = real_items(shared_data)
    # West of orbit 98's swath edge: its Items have no data on the chip; orbit 141 covers it with seeded clouds.
    scls = {it["id"]: (np.zeros((SIDE, SIDE), np.uint8) if it["orbit"] == 98 else scl_pattern(zlib.crc32(it["id"].encode())))
            for it in items}
    worthy = [it for it in items if it["tile_cloud"] <= 90]
    result = sel.select_scenes(candidates_with(worthy, scls), n_candidates=len(items))
    assert result.missing_months == [1, 2]
    assert len(result.picks) == 24 and result.short_by == 0
    orbit = {it["id"]: it["orbit"] for it in items}
    assert {orbit[p.candidate.item_id] for p in result.picks} == {141}
    months = [p.candidate.day.month for p in result.picks if p.reason == sel.MONTH_PICK]
    assert months == list(range(3, 13))  # one per month that has a usable scene
    assert result.n_candidates == 100 and result.n_probed == len(worthy)


@pytest.mark.parametrize("seed", range(6))
def test_the_selection_on_the_real_items_equals_an_independent_implementation(shared_data, seed):
    items = real_items(shared_data)
    rng = np.random.default_rng(seed)
    scls = {}
    for it in items:  # orbit 98 only partly covers this chip; every Item has its own clouds
        nodata_cols = int(rng.integers(40, SIDE + 1)) if it["orbit"] == 98 else 0
        scls[it["id"]] = scl_pattern(int(rng.integers(1 << 30)), nodata_cols=nodata_cols)
    max_tile_cloud, max_nodata = [90.0, 100.0, 40.0][seed % 3], [0.5, 0.8, 0.3][seed % 3]
    worthy = sel.probe_worthy([sel.Candidate(it["id"], it["day"], it["tile_cloud"]) for it in items], max_tile_cloud)
    result = sel.select_scenes([sel.probed(c, scls[c.item_id]) for c in worthy], max_nodata=max_nodata)
    expected, missing = oracle_selection([dict(it, scl=scls[it["id"]]) for it in items],
                                         max_tile_cloud=max_tile_cloud, max_nodata=max_nodata)
    assert {p.candidate.item_id: p.reason for p in result.picks} == expected
    assert result.missing_months == missing
    assert [p.candidate.day for p in result.picks] == sorted(p.candidate.day for p in result.picks)
