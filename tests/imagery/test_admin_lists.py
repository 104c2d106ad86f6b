"""The imagery admin lists cost a fixed number of queries, however many rows they show."""
from datetime import date

import pytest

from imagery.models import Chip, Scene, Task, Tile


@pytest.fixture
def twelve_chips(db):
    """Twelve chips on six tiles, two scenes and four tasks each (rows only: listing needs no files)."""
    for n in range(12):
        tile, _ = Tile.objects.get_or_create(id=f"{n // 2 + 10}ABC", defaults={"epsg": 32632})
        chip = Chip.objects.create(id=f"{tile.id}_{n % 2:02d}", tile=tile, epsg=32632,
                                   transform=[10, 0, 0, 0, -10, 0], bounds=[0, -2560, 2560, 0])
        Scene.objects.bulk_create(Scene(chip=chip, date=date(2018, m, 1), cloud_fraction=0.1,
                                        file=f"scenes/{tile.id}/{chip.id}/2018-{m:02d}-01.tif") for m in (3, 9))
        Task.objects.bulk_create(Task(chip=chip, row=r, col=c) for r in (0, 1) for c in (0, 1))


@pytest.mark.parametrize("model,rows", [("tile", 6), ("chip", 12), ("scene", 24), ("task", 48)])
def test_admin_list_queries_do_not_grow_with_rows(twelve_chips, admin_client, model, rows,
                                                  django_assert_max_num_queries):
    # session, user, permissions, counts, filter choices, date hierarchy, one page: not one query per row
    with django_assert_max_num_queries(12):
        response = admin_client.get(f"/admin/imagery/{model}/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
