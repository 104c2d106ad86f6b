"""From three annotators' submissions through the consensus service to the exported GeoTIFF and labels.json."""
import numpy as np
from django.utils import timezone
from rasterio.io import MemoryFile

from imagery.lib.domain import TASK_SIZE, TASKS_PER_SIDE


def test_submissions_become_the_exported_label_and_score(make_export_chip, real_chip, alice, bob, carol, admin_user,
                                                         api_as):
    from annotation.models import Annotation, Assignment, Status
    from consensus.models import ConsensusLabel
    from consensus.services import consensus_recompute

    chip = make_export_chip("30PWT_00")
    ConsensusLabel.objects.filter(task__chip=chip).delete()  # only the annotators' work counts here
    truth = real_chip("30PWT_00")["label"]
    answers = {alice: truth, bob: truth, carol: np.ones_like(truth)}  # carol says "water" everywhere
    for slot, user in enumerate(answers, start=1):
        Assignment.objects.create(chip=chip, user=user, slot=slot)
    rows = []
    for task in chip.tasks.all():
        window = np.s_[task.row * TASK_SIZE:(task.row + 1) * TASK_SIZE, task.col * TASK_SIZE:(task.col + 1) * TASK_SIZE]
        for user, labels in answers.items():
            raw = np.ascontiguousarray(labels[window]).tobytes()
            rows.append(Annotation(task=task, annotator=user, labels=raw, guess=raw, status=Status.SUBMITTED,
                                   revision=1, submitted_at=timezone.now()))
    Annotation.objects.bulk_create(rows)
    assert consensus_recompute(method="bayes") == TASKS_PER_SIDE**2

    client = api_as(admin_user)
    with MemoryFile(client.get(f"/api/export/chips/{chip.id}/labels.tif").content) as mem, mem.open() as src:
        band1, band2 = src.read()
    labeled = truth > 0
    np.testing.assert_array_equal(band1[labeled], truth[labeled])
    assert set(np.unique(band2[labeled & (truth != 1)])) == {67}  # two of three equally weighted agree
    assert set(np.unique(band2[truth == 1])) == {100}
    assert client.get(f"/api/export/chips/{chip.id}/labels.json").json()["annotators"] == sorted(
        u.pk for u in answers
    )
