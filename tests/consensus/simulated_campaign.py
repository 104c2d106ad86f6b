"""A campaign in the database labeled by simulated annotators with known confusion matrices over real LandCoverNet
truth (tests/simulated_annotators.py): chips of 64 tasks, three of the pool per chip, experts' labels = truth on the
reference tasks."""
from dataclasses import dataclass

import numpy as np
from django.utils import timezone

from tests.simulated_annotators import confusion_matrix, label_with, real_tasks

ACCURACIES = (0.90, 0.73, 0.69, 0.80)


@dataclass
class Campaign:
    chips: list
    annotators: list
    expert: object
    truth: dict  # task id -> (32, 32) uint8
    confusions: np.ndarray


def build(make_chip, make_user, *, n_chips=5, reference_per_chip=64, seed=1, tile="32NLP", accuracies=ACCURACIES):
    from annotation.models import (Annotation, AnnotationRevision, Assignment, ExpertLabel, ExpertLabelRevision,
                                   ReferenceTask, Status)
    from imagery.models import Task

    rng = np.random.default_rng(seed)
    pool = [make_user(f"sim{i}", "annotator") for i in range(len(accuracies))]
    expert = make_user("simexpert", "expert")
    confusions = np.stack([confusion_matrix(a) for a in accuracies])
    truth_rows = real_tasks(n_chips * 64, seed)
    chips, truth, now = [], {}, timezone.now()
    anns, refs, experts = [], [], []
    for c in range(n_chips):
        chip = make_chip(f"{tile}_{c:02d}")
        chips.append(chip)
        crew = rng.choice(len(pool), 3, replace=False)
        for slot, a in enumerate(crew, start=1):
            Assignment.objects.create(chip=chip, user=pool[a], slot=slot)
        for i, task in enumerate(Task.objects.filter(chip=chip).order_by("row", "col")):
            t = truth_rows[c * 64 + i].reshape(32, 32)
            truth[task.pk] = t
            for a in crew:
                raw = label_with(t, confusions[a], rng).tobytes()
                anns.append(Annotation(task=task, annotator=pool[a], labels=raw, guess=raw, status=Status.SUBMITTED,
                                       revision=1, submitted_at=now))
            if i < reference_per_chip:
                refs.append(ReferenceTask(task=task, expert=expert))
                experts.append(ExpertLabel(task=task, expert=expert, labels=t.tobytes(), guess=t.tobytes(),
                                           status=Status.SUBMITTED, revision=1, submitted_at=now))
    Annotation.objects.bulk_create(anns)
    AnnotationRevision.objects.bulk_create(AnnotationRevision(annotation=a, author_id=a.annotator_id, revision=1,
                                                              labels=a.labels, status=Status.SUBMITTED) for a in anns)
    ReferenceTask.objects.bulk_create(refs)
    ExpertLabel.objects.bulk_create(experts)
    ExpertLabelRevision.objects.bulk_create(ExpertLabelRevision(expert_label=e, author=expert, revision=1,
                                                                labels=e.labels, status=Status.SUBMITTED)
                                            for e in experts)
    return Campaign(chips=chips, annotators=pool, expert=expert, truth=truth, confusions=confusions)
