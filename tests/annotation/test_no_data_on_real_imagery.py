"""The 'no data' rule on a real padded chip: the Slovenian eo-learn patch is 101×100 px inside a 256×256 chip."""
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from annotation.models import Annotation, TaskDataMask
from imagery.models import Chip


@pytest.fixture
def edge_task(shared_data, alice, assign):
    call_command("ingest_chips", str(shared_data / "eolearn_testeopatch"), stdout=StringIO(), stderr=StringIO())
    chip = Chip.objects.get()
    assign(chip, alice)
    return chip.tasks.get(row=3, col=3)  # chip pixels 96..127: data only in its first 5 rows × 4 columns


def submit(client, task, labels, revision=0):
    return client.post(f"/api/tasks/{task.pk}/annotation/submit/", {"labels": labels.tolist(), "revision": revision},
                       format="json")


def test_no_data_is_accepted_on_padding_and_refused_on_imagery(api, alice, edge_task):
    client = api(alice)
    labels = np.zeros((32, 32), np.uint8)
    labels[:5, :4] = 5
    labels[4, 3] = 0  # one imagery pixel left unlabeled
    r = submit(client, edge_task, labels)
    assert r.status_code == 400 and "1 pixels" in r.json()["labels"][0] and "(4, 3)" in r.json()["labels"][0]
    assert not Annotation.objects.exists()
    labels[4, 3] = 7
    assert submit(client, edge_task, labels).status_code == 200
    cached = TaskDataMask.objects.get(task=edge_task)
    assert cached.n_scenes == 5  # read once from the five COGs, then served from the cache
    assert TaskDataMask.objects.filter(task__chip=edge_task.chip).count() == 64  # for the whole chip at once


def test_a_task_fully_inside_the_imagery_needs_every_pixel_labeled(api, alice, edge_task):
    task = edge_task.chip.tasks.get(row=0, col=0)
    labels = np.full((32, 32), 5, np.uint8)
    labels[31, 31] = 0
    assert submit(api(alice), task, labels).status_code == 400
