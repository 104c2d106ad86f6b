"""Two ingests of the same source at once (real Postgres, two connections) store it once."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from imagery.models import Chip, Scene, Task


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ingests_of_one_source_store_it_once(shared_data):
    from imagery.models import Tile

    Tile.objects.create(id="33TVL", epsg=32633, continent="Europe")  # so the tile row itself does not serialize them
    start = threading.Barrier(2)
    outputs, errors = [], []

    def run():
        out = StringIO()
        try:
            start.wait()
            call_command("ingest_chips", str(shared_data / "eolearn_testeopatch"), stdout=out, stderr=StringIO())
            outputs.append(out.getvalue())
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted("created 33TVL_00" in o for o in outputs) == [False, True]
    assert any("unchanged 33TVL_00" in o for o in outputs)
    assert (Chip.objects.count(), Scene.objects.count(), Task.objects.count()) == (1, 5, 64)


@pytest.mark.django_db
def test_the_database_refuses_a_second_chip_with_the_same_fingerprint():
    from django.db import IntegrityError

    from imagery.models import Tile

    tile = Tile.objects.create(id="33TVL", epsg=32633)
    Chip.objects.create(id="33TVL_00", tile=tile, epsg=32633, transform=[10, 0, 0, 0, -10, 0], bounds=[0, 0, 1, 1],
                        fingerprint="ab" * 32)
    Chip.objects.create(id="33TVL_01", tile=tile, epsg=32633, transform=[10, 0, 0, 0, -10, 0], bounds=[0, 0, 1, 1])
    with pytest.raises(IntegrityError):
        Chip.objects.create(id="33TVL_02", tile=tile, epsg=32633, transform=[10, 0, 0, 0, -10, 0],
                            bounds=[0, 0, 1, 1], fingerprint="ab" * 32)
