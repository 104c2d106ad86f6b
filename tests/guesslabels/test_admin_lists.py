"""The guess-label admin lists cost a fixed number of queries, however many rows they show; the tiles a command
trains by default."""
import pytest

from guesslabels import selectors
from guesslabels.models import GuessLabel, LandCoverMap, RunStatus, TrainingRun
from imagery.models import Chip, Tile


@pytest.fixture
def twelve_guesses(db):
    """Twelve chips on twelve tiles, each with its own finished run and guess label (no files needed to list)."""
    for n in range(12):
        tile = Tile.objects.create(id=f"{n + 10}ABC", epsg=32632)
        chip = Chip.objects.create(id=f"{tile.id}_00", tile=tile, epsg=32632, transform=[10, 0, 0, 0, -10, 0],
                                   bounds=[0, -2560, 2560, 0])
        run = TrainingRun.objects.create(tile=tile, status=RunStatus.DONE)
        GuessLabel.objects.create(chip=chip, run=run, file=f"guess/{tile.id}/{chip.id}.tif")


@pytest.mark.parametrize("model", ["guesslabel", "trainingrun"])
def test_admin_list_queries_do_not_grow_with_rows(twelve_guesses, admin_client, model, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):  # session, user, counts, one page: not one query per row
        response = admin_client.get(f"/admin/guesslabels/{model}/")
    assert response.status_code == 200
    assert response.content.count(b"ABC_00" if model == "guesslabel" else b"ABC") >= 12


def test_the_tiles_trained_by_default_are_those_a_land_cover_map_covers(twelve_guesses):
    first = LandCoverMap.objects.create(name="a.tif", files=["land_cover_maps/1/a.tif"], source="test",
                                        mapping_name="test.csv", mapping={"1": 1})
    first.tiles.set(["15ABC", "11ABC"])
    second = LandCoverMap.objects.create(name="b.tif", files=["land_cover_maps/2/b.tif"], source="test",
                                         mapping_name="test.csv", mapping={"1": 1})
    second.tiles.set(["11ABC"])
    assert selectors.land_cover_map_tile_ids() == ["11ABC", "15ABC"]
