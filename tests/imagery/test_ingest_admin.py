"""The imagery admin lists ingested rows and offers no way to add or edit them by hand."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(shared_data):
    call_command("ingest_chips", str(shared_data / "eolearn_testeopatch"), stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("model", ["tile", "chip", "scene", "task"])
def test_admin_lists_ingested_rows(client, admin_user, ingested, model):
    client.force_login(admin_user)
    response = client.get(f"/admin/imagery/{model}/")
    assert response.status_code == 200
    assert b"33TVL" in response.content


def test_the_chip_page_shows_its_scenes_and_counts(client, admin_user, ingested):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    listing = client.get("/admin/imagery/chip/").content.decode()
    assert "33TVL_00" in listing and ">16<" in listing  # tasks with data
    page = client.get("/admin/imagery/chip/33TVL_00/change/").content.decode()
    assert "2015-07-11" in page or "July 11, 2015" in page


def test_imagery_cannot_be_added_by_hand(client, admin_user, ingested):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    assert client.get("/admin/imagery/chip/add/").status_code == 403


def test_deleting_a_chip_in_the_admin_removes_its_scene_files(client, admin_user, ingested, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from imagery.models import Chip, Scene

    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    names = list(Scene.objects.values_list("file", flat=True))
    assert len(names) == 5 and all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/imagery/chip/33TVL_00/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Chip.objects.exists() and not Scene.objects.exists()
    assert not any(default_storage.exists(n) for n in names)
