"""imagery.lib.sampling: tile sampling in ECDF space and chip windows (pure; a generated table of 3,000 tiles)."""

import io

import numpy as np
import pytest

from imagery.lib import sampling
from imagery.lib.sampling import (
    CONTINENTS,
    FEATURES,
    PAPER_QUOTAS,
    SamplingInputError,
    candidates_from_rows,
    ecdf_transform,
    eligible_mask,
    latin_hypercube,
    max_ks_distance,
    read_candidates,
    sample_tiles,
    split_total,
    synthetic_candidates,
)

SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def table():
    fieldnames, rows = synthetic_candidates(3000, seed=7)
    return candidates_from_rows(fieldnames, rows)


@pytest.fixture(scope="module")
def samples(table):
    return {seed: sample_tiles(table, PAPER_QUOTAS, seed) for seed in SEEDS}


def _csv(fieldnames, rows):
    buf = io.StringIO()
    sampling.write_csv(buf, fieldnames, rows)
    buf.seek(0)
    return buf


# ------------------------------------------------------------------------------------------------ tile sampling
def test_the_generated_table_has_tiles_for_the_exclusions_to_remove(table):
    water = table.column("water_bodies") > 60
    barren = table.column("barren") > 90
    assert water.sum() > 50 and barren.sum() > 50
    assert not eligible_mask(table.features)[water | barren].any()


def test_no_chosen_tile_has_too_much_water_or_barren_land(table, samples):
    for result in samples.values():
        chosen = table.features[result.chosen]
        assert (chosen[:, FEATURES.index("water_bodies")] <= 60).all()
        assert (chosen[:, FEATURES.index("barren")] <= 90).all()


def test_quotas_are_met_exactly_per_continent_and_add_up_to_the_papers_300(table, samples):
    for result in samples.values():
        names, counts = np.unique(table.continents[result.chosen], return_counts=True)
        assert dict(zip(names, counts.tolist())) == PAPER_QUOTAS
        assert len(set(result.chosen.tolist())) == 300


def test_the_same_seed_gives_the_same_sample_and_another_seed_another(table, samples):
    again = sample_tiles(table, PAPER_QUOTAS, 0)
    assert np.array_equal(again.chosen, samples[0].chosen)
    assert not np.array_equal(samples[0].chosen, samples[1].chosen)


def test_chosen_tiles_cover_ecdf_space_better_than_a_plain_random_draw(table, samples):
    eligible = eligible_mask(table.features)
    ours, plain = [], []
    for seed in SEEDS:
        rng = np.random.default_rng(1000 + seed)
        for continent, quota in PAPER_QUOTAS.items():
            rows = np.flatnonzero(eligible & (table.continents == continent))
            u = ecdf_transform(table.features[rows])
            picked = np.searchsorted(rows, samples[seed].chosen[np.isin(samples[seed].chosen, rows)])
            ours.append(max_ks_distance(u, picked))
            plain.append(max_ks_distance(u, rng.choice(len(rows), quota, replace=False)))
    ours, plain = np.array(ours).reshape(len(SEEDS), -1), np.array(plain).reshape(len(SEEDS), -1)
    # every continent, averaged over the seeds, is at least a third closer to uniform than random draws
    assert (ours.mean(0) < 0.67 * plain.mean(0)).all(), (ours.mean(0), plain.mean(0))
    assert (ours.max(1) < plain.max(1)).all()  # and each seed's worst continent beats random's worst


def test_the_summary_reports_counts_and_the_random_reference(table, samples):
    by_name = {s.continent: s for s in samples[0].summaries}
    assert list(by_name) == list(CONTINENTS)
    africa = by_name["Africa"]
    assert africa.candidates == (table.continents == "Africa").sum()
    assert africa.eligible + africa.excluded == africa.candidates
    assert africa.chosen == africa.quota == 66
    assert 0 < africa.max_ks < africa.max_ks_random


def test_a_quota_above_the_eligible_tiles_names_the_continent(table):
    europe = int((eligible_mask(table.features) & (table.continents == "Europe")).sum())
    with pytest.raises(SamplingInputError, match=f"Europe: quota {europe + 1} > {europe} eligible"):
        sample_tiles(table, {"Europe": europe + 1, "Asia": 5}, 0)


def test_a_zero_quota_chooses_nothing_from_that_continent(table):
    result = sample_tiles(table, {"Asia": 10, "Europe": 0}, 3)
    assert set(table.continents[result.chosen]) == {"Asia"} and len(result.chosen) == 10


def test_a_total_is_split_by_land_area_and_300_gives_the_papers_quotas():
    assert split_total(300, list(CONTINENTS)) == PAPER_QUOTAS
    split = split_total(100, list(CONTINENTS))
    assert sum(split.values()) == 100 and split["Asia"] > split["Africa"] > split["Europe"]
    assert split_total(7, ["Europe"]) == {"Europe": 7}


def test_quota_specs_accept_aliases_and_reject_unknown_continents():
    assert sampling.parse_quotas(["africa=3", "Oceania=2", "north_america=1"]) == {
        "Africa": 3, "Australia/Oceania": 2, "North America": 1}
    with pytest.raises(SamplingInputError, match="'Atlantis=3', 'Asia=x'"):
        sampling.parse_quotas(["Atlantis=3", "Asia=x"])


# ---------------------------------------------------------------------------------------------- ECDF helpers
def test_ecdf_values_are_evenly_spread_and_ties_share_the_middle_of_their_step():
    u = ecdf_transform(np.array([[3.0, 0.0], [1.0, 0.0], [2.0, 0.0], [4.0, 5.0]]))
    assert u[:, 0].tolist() == [0.625, 0.125, 0.375, 0.875]
    assert u[:, 1].tolist() == [0.375, 0.375, 0.375, 0.875]


def test_a_latin_hypercube_has_one_point_in_every_stratum_of_every_axis():
    pts = latin_hypercube(50, 19, np.random.default_rng(0))
    strata = np.sort((pts * 50).astype(int), axis=0)
    assert (strata == np.arange(50)[:, None]).all()


def test_ks_distance_is_zero_for_the_whole_population_and_large_for_one_corner():
    u = ecdf_transform(np.random.default_rng(0).random((200, 3)))
    assert max_ks_distance(u, np.arange(200)) == 0
    lowest = np.argsort(u[:, 0])[:50]
    assert max_ks_distance(u, lowest) == pytest.approx(0.75)


# ----------------------------------------------------------------------------------------------- bad tables
def test_a_generated_table_round_trips_through_csv(table):
    fieldnames, rows = synthetic_candidates(50, seed=1)
    back = read_candidates(_csv(fieldnames, rows))
    assert len(back) == 50 and back.features.shape == (50, 19)
    assert back.tile_ids.tolist() == [r["tile_id"] for r in rows]


def test_missing_columns_are_named():
    fieldnames, rows = synthetic_candidates(5, seed=1)
    keep = [f for f in fieldnames if f not in ("lat", "barren")]
    with pytest.raises(SamplingInputError, match="missing columns: lat, barren"):
        read_candidates(_csv(keep, [{k: r[k] for k in keep} for r in rows]))


def test_percentages_not_summing_to_100_name_the_rows_and_their_sums():
    fieldnames, rows = synthetic_candidates(5, seed=1)
    rows[1]["croplands"] = str(float(rows[1]["croplands"]) + 5)
    rows[3]["savannas"] = str(float(rows[3]["savannas"]) + 3)
    with pytest.raises(SamplingInputError, match="not summing to 100") as err:
        read_candidates(_csv(fieldnames, rows))
    assert f"line 3 ({rows[1]['tile_id']})" in str(err.value) and f"line 5 ({rows[3]['tile_id']})" in str(err.value)
    assert "sum 10" in str(err.value)


def test_unknown_continents_non_numbers_and_duplicates_are_all_reported_at_once():
    fieldnames, rows = synthetic_candidates(6, seed=1)
    rows[0]["continent"] = "Atlantis"
    rows[2]["lat"] = "north"
    rows[4]["tile_id"] = rows[5]["tile_id"]
    rows[1]["tile_id"] = "tile-7"
    with pytest.raises(SamplingInputError) as err:
        read_candidates(_csv(fieldnames, rows))
    message = str(err.value)
    assert f"unknown continent" in message and f"line 2 ({rows[0]['tile_id']}): 'Atlantis'" in message
    assert f"non-numeric lat/lon/percentage in line 4 ({rows[2]['tile_id']})" in message
    assert f"duplicate tile_id: {rows[5]['tile_id']}" in message
    assert "tile_id not an MGRS tile like 32NLP in line 3 (tile-7)" in message


def test_many_bad_rows_are_named_up_to_ten_then_counted():
    fieldnames, rows = synthetic_candidates(25, seed=1)
    for r in rows:
        r["continent"] = "Mars"
    with pytest.raises(SamplingInputError, match="and 15 more"):
        read_candidates(_csv(fieldnames, rows))


def test_on_tie_free_features_scipys_ks_test_against_uniform_agrees(table, samples):
    from scipy.stats import kstest

    eligible = eligible_mask(table.features)
    rows = np.flatnonzero(eligible & (table.continents == "Asia"))
    u = ecdf_transform(table.features[rows][:, :2])  # lat, lon: continuous, no ties
    rng = np.random.default_rng(0)
    ours, plain = [], []
    for seed in SEEDS:
        picked = np.searchsorted(rows, samples[seed].chosen[np.isin(samples[seed].chosen, rows)])
        ours += [kstest(u[picked, j], "uniform").statistic for j in range(2)]
        plain += [kstest(u[rng.choice(len(rows), 92, replace=False), j], "uniform").statistic for j in range(2)]
        assert max_ks_distance(u, picked) == pytest.approx(max(ours[-2:]), abs=1.5 / len(rows))
    assert np.mean(ours) < 0.5 * np.mean(plain)


def test_the_planning_cores_import_no_django():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, imagery.lib.sampling, imagery.lib.chip_windows, imagery.lib.sampling_plot; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
