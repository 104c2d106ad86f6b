"""A small campaign built through the project's own services, to grow chip by chip between two measurements."""
import numpy as np
import pytest
from django.utils import timezone

from imagery.lib.domain import TASK_SIZE


@pytest.fixture
def campaign(db, make_chip, make_user):
    """campaign.grow(n) adds n chips (tile 32NLP, then 32NLQ, …): three annotators each, every task of the first
    chips submitted by all three with consensus computed, an expert label on one reference task per chip."""
    from annotation.lib.labels import pack_mask
    from annotation.models import Annotation, ExpertLabel, ReferenceTask, Status, TaskDataMask
    from annotation.services import assignments_create
    from consensus import services as consensus

    crew = [make_user(name, "annotator") for name in ("alice", "bob", "carol")]
    expert = make_user("erin", "expert")
    admin = make_user("admin", "admin", is_staff=True)
    exporter = make_user("xena", "exporter")
    rng = np.random.default_rng(0)
    chips = []

    def grow(n):
        for _ in range(n):
            k = len(chips)
            chip = make_chip(f"32NL{'PQRSTU'[k // 4]}_{k % 4:02d}")
            chips.append(chip)
            assignments_create(chip_ids=[chip.pk], user_ids=[u.pk for u in crew])
            tasks = list(chip.tasks.order_by("row", "col"))
            mask = pack_mask(np.ones((TASK_SIZE, TASK_SIZE), bool))
            TaskDataMask.objects.bulk_create(TaskDataMask(task=t, mask=mask, n_scenes=1) for t in tasks)
            base = rng.integers(1, 8, (len(tasks), TASK_SIZE, TASK_SIZE), dtype=np.uint8)
            now = timezone.now()
            rows = []
            for i, user in enumerate(crew):
                noisy = base.copy()
                noisy[:, i, : 4 * i] = 1  # annotators disagree on a few pixels
                done = tasks if k else tasks[:40]  # the first chip keeps work left for alice
                rows += [Annotation(task=t, annotator=user, labels=noisy[j].tobytes(), guess=base[j].tobytes(),
                                    status=Status.SUBMITTED, revision=1, submitted_at=now)
                         for j, t in enumerate(tasks) if t in done]
            Annotation.objects.bulk_create(rows)
            ref = tasks[-1]
            ReferenceTask.objects.create(task=ref, expert=expert)
            ExpertLabel.objects.create(task=ref, expert=expert, labels=base[-1].tobytes(), guess=base[-1].tobytes(),
                                       status=Status.SUBMITTED, revision=1, submitted_at=now)
        consensus.annotator_accuracies_recompute()
        consensus.consensus_recompute()
        return chips

    class Campaign:
        pass

    c = Campaign()
    c.grow, c.chips, c.crew, c.expert, c.admin, c.exporter = grow, chips, crew, expert, admin, exporter
    return c
