"""The whole pipeline with its storage on a real S3 server (SeaweedFS on loopback): ingest writes the scene COGs to
the bucket, the layer API reads them back by byte ranges, guess-label training stores its reference, model, figure
and guess rasters there and the guess API reads them, three annotators' submits are merged, and the export API
builds labels.tif, the dataset zip and the scene downloads from the bucket. Nothing lands on the local disk."""
import io
import zipfile
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.test import RequestFactory
from rasterio.io import MemoryFile
from rest_framework.test import APIClient

from guesslabels.lib.features import MAPPINGS_DIR
from imagery.lib import render
from imagery.lib.domain import TASK_SIZE
from imagery.lib.netstats import counting

pytestmark = pytest.mark.django_db(transaction=True)  # submits announce themselves on commit

CHIP, DAY = "52UEA_08", "2018-07-20"


def client_for(user) -> APIClient:
    client = APIClient()
    # with a request: the login lockout counts per address
    assert client.login(request=RequestFactory().post("/accounts/login/"), username=user.username,
                        password=user.username)
    return client


def stored_bytes(s3, name: str) -> bytes:
    obj = s3.server.client().get_object(Bucket=s3.bucket, Key=f"{s3.prefix}/{name}")
    return obj["Body"].read()


def window_of(data: bytes, window) -> np.ndarray:
    from rasterio.windows import Window

    r, c, h, w = window
    with MemoryFile(data) as mem, mem.open() as src:
        return src.read(window=Window(c, r, w, h))


def test_ingest_layers_guess_labels_consensus_and_export_run_on_s3(
    s3_storage, shared_data, settings, tmp_path, alice, bob, carol, erin, admin_user
):
    from annotation.services import reference_task_add
    from consensus.models import ConsensusLabel
    from annotation.lib.labels import labels_from_bytes
    from guesslabels.models import GuessLabel, TrainingRun
    from imagery.layer_cache import clear_caches
    from imagery.models import Chip, Task

    settings.MEDIA_ROOT = tmp_path / "local-media"  # must stay absent: every file goes to the bucket
    patch = shared_data / "eolearn_testeopatch"
    call_command("ingest_chips", str(shared_data / f"landcovernet_s2_chips/{CHIP}_20180720_bands10.tif"),
                 stdout=StringIO(), stderr=StringIO())
    call_command("ingest_chips", str(patch), stdout=StringIO(), stderr=StringIO())
    chip, slovenia = Chip.objects.get(id=CHIP), Chip.objects.get(id="33TVL_00")
    keys = s3_storage.keys()
    scene_names = [s.file.name for c in (chip, slovenia) for s in c.scenes.order_by("date")]
    assert len(scene_names) == 6 and set(scene_names) <= set(keys)

    # Guess labels: the land-cover map, the model, its figure and the guess raster all go to the bucket.
    call_command("train_guess_labels", "--tile", "33TVL", "--map", str(patch / "lulc.tif"), "--mapping",
                 str(MAPPINGS_DIR / "eolearn_lulc.csv"), "--sync", stdout=StringIO(), stderr=StringIO())
    run = TrainingRun.objects.get()
    assert run.status == "done", run.error
    guess = GuessLabel.objects.get(chip=slovenia)
    from guesslabels.models import LandCoverMap

    land_map = LandCoverMap.objects.get().files[0]
    assert land_map.startswith("land_cover_maps/") and land_map.endswith("/lulc.tif")
    assert {run.model_file.name, run.plot_file.name, guess.file.name, land_map} <= set(s3_storage.keys())

    response = client_for(admin_user).post(
        "/api/admin/assignments/", {"chips": [CHIP, "33TVL_00"], "users": [alice.pk, bob.pk, carol.pk]},
        format="json")
    assert response.status_code == 201, response.content
    annotator = client_for(alice)

    # The guess API reads the stored guess raster (a window of it) from the bucket.
    task33 = Task.objects.get(chip=slovenia, row=1, col=2)
    response = annotator.get(f"/api/tasks/{task33.pk}/guess/")
    assert response.status_code == 200, response.content
    with MemoryFile(stored_bytes(s3_storage, guess.file.name)) as mem, mem.open() as src:
        whole_guess = src.read(1)
    np.testing.assert_array_equal(np.array(response.json()["labels"]), whole_guess[32:64, 64:96])

    # Layers: the PNG is the one rendered from the stored object, and a cold window moves a few blocks, not the COG.
    task = Task.objects.get(chip=chip, row=2, col=5)
    scene = chip.scenes.get()
    cog = stored_bytes(s3_storage, scene.file.name)
    clear_caches()
    with counting() as moved:
        response = annotator.get(f"/api/tasks/{task.pk}/layers/rgb.png", {"scene": 0, "context": 0})
    assert response.status_code == 200, response.content
    want = render.encode_png(render.render("rgb", window_of(cog, task.window), chip.stretch_low, chip.stretch_high,
                                           origin=tuple(task.window[:2])))
    assert response.content == want
    assert moved.requests >= 1 and 0 < moved.bytes <= len(cog) // 10, (moved, len(cog))
    response = annotator.get(f"/api/tasks/{task.pk}/layers/ndvi.png", {"scene": 0, "context": 32})
    assert response.status_code == 200 and response.content[:8] == b"\x89PNG\r\n\x1a\n"

    # Consensus: an expert reference, three annotators' submits over HTTP, merged in-process (eager Celery).
    reference = np.full((TASK_SIZE, TASK_SIZE), 5, np.uint8)
    reference[:, TASK_SIZE // 2:] = 6
    reference_task_add(task_id=task.pk, expert=erin)
    answers = {"erin": reference, "alice": reference, "bob": reference, "carol": np.full_like(reference, 7)}
    for user in (erin, alice, bob, carol):
        response = client_for(user).post(f"/api/tasks/{task.pk}/annotation/submit/",
                                         {"labels": answers[user.username].tolist(), "revision": 0}, format="json")
        assert response.status_code == 200, response.content
    row = ConsensusLabel.objects.get(task=task)
    np.testing.assert_array_equal(labels_from_bytes(row.label), reference)

    # Export: labels.tif, the scene download (whole and by range) and the dataset zip, all from the bucket.
    exporter = client_for(admin_user)
    response = exporter.get(f"/api/export/chips/{CHIP}/labels.tif?partial=1")
    assert response.status_code == 200, response.content
    with MemoryFile(response.content) as mem, mem.open() as src:
        band1 = src.read(1)
    np.testing.assert_array_equal(band1[64:96, 160:192], reference)
    url = f"/api/export/chips/{CHIP}/scenes/{DAY}.tif"
    response = exporter.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == cog
    response = exporter.get(url, HTTP_RANGE="bytes=1000-4999")
    assert response.status_code == 206 and response.content == cog[1000:5000]
    assert response["Content-Range"] == f"bytes 1000-4999/{len(cog)}"
    response = exporter.get("/api/export/dataset.zip?partial=1")
    assert response.status_code == 200, response.content
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    tifs = [n for n in archive.namelist() if n.endswith("labels.tif")]
    assert len(tifs) == 1 and CHIP in tifs[0]
    with MemoryFile(archive.read(tifs[0])) as mem, mem.open() as src:
        np.testing.assert_array_equal(src.read(1), band1)

    # A scene gone from the bucket is a 404, not a 500.
    s3_storage.server.client().delete_object(Bucket=s3_storage.bucket, Key=f"{s3_storage.prefix}/{scene.file.name}")
    assert exporter.get(url).status_code == 404
    assert not settings.MEDIA_ROOT.exists()


def test_a_raster_rewritten_under_its_name_is_read_anew_by_the_same_process(s3_storage):
    """A new training run writes the chip's guess under the same name: GDAL must not answer from the old header."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from guesslabels.lib.raster import read_label_tif, write_label_tif
    from imagery.stored_files import stored_raster

    transform = [10, 0, 500000, 0, -10, 100000]
    first = np.random.default_rng(0).integers(1, 8, (256, 256), dtype=np.uint8)
    second = np.where(first == 1, 2, 1).astype(np.uint8)
    for labels in (first, second):
        default_storage.delete("guess/T/chip.tif")
        default_storage.save("guess/T/chip.tif", ContentFile(write_label_tif(labels, 32632, transform)))
        with stored_raster("guess/T/chip.tif") as source:
            assert source.startswith("/vsis3/")
            np.testing.assert_array_equal(read_label_tif(source, (32, 64, 32, 32)), labels[32:64, 64:96])
