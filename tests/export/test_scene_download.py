"""GET /api/export/chips/{chip}/scenes/{YYYY-MM-DD}.tif: where every exported STAC `source` link resolves."""
import io
import json
import zipfile

import numpy as np
import pytest
import rasterio
from django.core.files.storage import default_storage
from django.core.management import call_command

from imagery.lib.cog import read_window
from imagery.models import Scene


@pytest.fixture
def chip(make_export_chip, store_scene_files):
    return store_scene_files(make_export_chip("30PWT_00"))


def source_hrefs(item: dict) -> list[str]:
    return [link["href"] for link in item["links"] if link["rel"] == "source"]


def body(response) -> bytes:
    """The whole body (the test client closes a streamed response, and so the scene file, once it is read)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def status(response) -> int:
    body(response)
    return response.status_code


def assert_the_scene_geotiff(response, scene):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "image/tiff"
    data = body(response)
    with default_storage.open(scene.file.name, "rb") as fh:
        assert data == fh.read()
    with rasterio.MemoryFile(data) as mem, mem.open() as src:
        assert src.driver == "GTiff" and src.count == 12 and src.crs.to_epsg() == scene.chip.epsg
        assert src.tags()["datetime"] == scene.date.isoformat()


def test_every_source_link_of_an_item_is_the_scene_geotiff_for_an_exporter_and_refused_to_an_annotator(
    chip, xena, alice, api_as
):
    item = api_as(xena).get(f"/api/export/chips/{chip.id}/stac.json").json()
    hrefs = source_hrefs(item)
    scenes = list(Scene.objects.filter(chip=chip).order_by("date"))
    assert len(hrefs) == len(scenes) == 24
    for href, scene in zip(hrefs, scenes):
        assert href == f"http://testserver/api/export/chips/{chip.id}/scenes/{scene.date.isoformat()}.tif"
        assert_the_scene_geotiff(api_as(xena).get(href), scene)
        assert api_as(alice).get(href).status_code in (403, 404)
        assert api_as(None).get(href).status_code in (401, 403)


def test_each_date_serves_its_own_pixels(chip, xena, api_as, real_scene_pixels):
    first, second = Scene.objects.filter(chip=chip).order_by("date")[:2]
    for i, scene in enumerate((first, second)):
        data = body(api_as(xena).get(f"/api/export/chips/{chip.id}/scenes/{scene.date.isoformat()}.tif"))
        np.testing.assert_array_equal(read_window(data), np.roll(real_scene_pixels, i, axis=2))


def test_the_source_links_of_the_zip_and_of_export_labels_resolve_too(chip, xena, api_as, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(body(api_as(xena).get("/api/export/dataset.zip"))))
    zipped = json.loads(archive.read(f"lcnet_labels/lcnet_labels_{chip.id}/stac.json"))
    call_command("export_labels", str(tmp_path), "--base-url", "http://testserver", verbosity=0)
    written = json.loads((tmp_path / f"lcnet_labels_{chip.id}" / "stac.json").read_text())
    assert source_hrefs(zipped) == source_hrefs(written)
    scenes = Scene.objects.filter(chip=chip).order_by("date")
    for href, scene in list(zip(source_hrefs(written), scenes))[::8]:
        assert_the_scene_geotiff(api_as(xena).get(href), scene)
    # inside the tree links stay relative: the tree can move; the scenes are outside it, hence absolute
    assert {link["href"] for link in written["links"] if link["rel"] != "source"} == {"stac.json", "../collection.json"}


def test_the_public_url_setting_names_the_origin_of_the_source_links(chip, xena, api_as, settings):
    settings.LCNET_PUBLIC_URL = "https://lcnet.example.org/"
    item = api_as(xena).get(f"/api/export/chips/{chip.id}/stac.json").json()
    assert source_hrefs(item)[0] == f"https://lcnet.example.org/api/export/chips/{chip.id}/scenes/2018-01-05.tif"


def test_the_scene_carries_a_strong_etag_and_a_long_private_cache_and_revalidates_with_a_304(chip, xena, api_as):
    url = f"/api/export/chips/{chip.id}/scenes/2018-01-05.tif"
    response = api_as(xena).get(url)
    body(response)
    etag = response["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["Content-Disposition"] == f'attachment; filename="{chip.id}_2018-01-05.tif"'
    other = api_as(xena).get(f"/api/export/chips/{chip.id}/scenes/2018-01-20.tif")
    assert status(other) == 200 and other["ETag"] != etag
    again = api_as(xena).get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content and again["ETag"] == etag
    assert status(api_as(xena).get(url, headers={"If-None-Match": '"other"'})) == 200


@pytest.mark.parametrize("path", ["scenes/2018-01-05.tif", "labels.tif"])
def test_a_client_asking_for_image_tiff_gets_it_and_a_refusal_is_still_a_403(chip, xena, alice, api_as, path):
    url = f"/api/export/chips/{chip.id}/{path}"
    response = api_as(xena).get(url, headers={"Accept": "image/tiff"})
    assert status(response) == 200 and response["Content-Type"] == "image/tiff"
    assert api_as(alice).get(url, headers={"Accept": "image/tiff"}).status_code == 403


@pytest.mark.parametrize("path", [
    "30PWT_00/scenes/2018-01-04.tif",  # no scene that day
    "30PWT_00/scenes/2018-02-30.tif",  # no such day
    "30PWT_00/scenes/20180105.tif",  # not YYYY-MM-DD
    "30PWT_99/scenes/2018-01-05.tif",  # no such chip
])
def test_a_date_or_chip_without_a_scene_is_a_404(chip, xena, api_as, path):
    assert api_as(xena).get(f"/api/export/chips/{path}").status_code == 404


def test_a_scene_whose_file_left_storage_is_a_404_not_a_500(chip, xena, api_as):
    scene = Scene.objects.get(chip=chip, date="2018-01-05")
    default_storage.delete(scene.file.name)
    assert api_as(xena).get(f"/api/export/chips/{chip.id}/scenes/2018-01-05.tif").status_code == 404


def test_a_byte_range_is_a_206_with_those_bytes_and_a_stale_if_range_gets_the_whole_file(chip, xena, api_as):
    scene = Scene.objects.get(chip=chip, date="2018-01-05")
    with default_storage.open(scene.file.name, "rb") as fh:
        whole = fh.read()
    url = f"/api/export/chips/{chip.id}/scenes/2018-01-05.tif"
    part = api_as(xena).get(url, headers={"Range": "bytes=100-16483"})
    assert part.status_code == 206 and part.content == whole[100:16484]
    assert part["Content-Range"] == f"bytes 100-16483/{len(whole)}" and part["Accept-Ranges"] == "bytes"
    tail = api_as(xena).get(url, headers={"Range": "bytes=-10", "If-Range": part["ETag"]})
    assert tail.status_code == 206 and tail.content == whole[-10:]
    stale = api_as(xena).get(url, headers={"Range": "bytes=0-9", "If-Range": '"older"'})
    assert stale.status_code == 200 and body(stale) == whole
    past = api_as(xena).get(url, headers={"Range": f"bytes={len(whole)}-"})
    assert past.status_code == 416 and past["Content-Range"] == f"bytes */{len(whole)}"
    assert api_as(None).get(url, headers={"Range": "bytes=0-9"}).status_code in (401, 403)


def test_gdal_opens_a_source_link_by_url_with_a_token(make_export_chip, store_scene_files, xena, live_server,
                                                        real_scene_pixels, settings):
    from rest_framework.authtoken.models import Token

    chip = store_scene_files(make_export_chip("30PWT_00"))
    settings.LCNET_PUBLIC_URL = live_server.url
    token = Token.objects.create(user=xena).key
    href = source_hrefs(stac_of(chip, token, live_server.url))[1]
    # Connection: close, or curl's pooled connection keeps a server thread (and its database session) alive
    headers = f"Authorization: Token {token}\r\nConnection: close"
    with rasterio.Env(GDAL_HTTP_HEADERS=headers, GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR", CPL_VSIL_CURL_USE_HEAD="NO"):
        with rasterio.open(f"/vsicurl/{href}") as src:
            assert src.count == 12 and src.crs.to_epsg() == chip.epsg
            np.testing.assert_array_equal(src.read(window=((32, 64), (64, 96))),
                                          np.roll(real_scene_pixels, 1, axis=2)[:, 32:64, 64:96])
    with rasterio.Env(GDAL_HTTP_HEADERS="Connection: close", GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR"), \
            pytest.raises(rasterio.errors.RasterioIOError):
        rasterio.open(f"/vsicurl/{href}?anonymous=1")  # no token: refused


def stac_of(chip, token, origin) -> dict:
    from urllib.request import Request, urlopen

    request = Request(f"{origin}/api/export/chips/{chip.id}/stac.json", headers={"Authorization": f"Token {token}"})
    with urlopen(request) as response:
        return json.load(response)
