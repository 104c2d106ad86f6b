"""Effort where labels are uncertain: the campaign's weak-consensus policy (lcnet_site/campaign.py, docs/campaign.md).

A task whose consensus in the live run has more than `weak_task_pixels` labeled pixels under calibrated probability
`weak_task_probability` is weak. It then gets, once, either an extra annotator for that task only (never someone who
labeled it or holds its chip; the most accurate available first) — their submission enters the task's next
consensus — or a place in the experts' queue (a reference task chosen_by "weak consensus"), whose expert label then
overrides the task's consensus (recorded in its inputs as "expert_override"). Without a calibrated run the policy
waits: it is defined on the calibrated probability, not on the score."""
from __future__ import annotations

import numpy as np
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q

from annotation.models import Annotation, Assignment, ExtraAnnotator, ReferenceTask
from annotation.policy import annotators_per_chip
from annotation.services.extra import extra_annotator_add
from annotation.services.references import reference_task_add
from imagery.models import Task
from lcnet_site.campaign import campaign
from lcnet_site.errors import AppError
from lcnet_site.roles import ANNOTATOR

from annotation.lib.labels import labels_stack_from_bytes
from consensus import run_selectors
from consensus.lib import policy as core
from consensus.lib.codec import score_from_bytes
from consensus.selectors import WEAK_CONSENSUS

ANNOTATOR_ACTION, EXPERT_ACTION, OFF = "annotator", "expert", "off"


def weak_tasks_route(rows) -> dict[str, list[int]]:
    """Judge freshly written consensus rows (ConsensusLabel objects) and route the weak ones; returns
    {"annotator": task ids given an extra annotator, "expert": task ids sent to the experts}."""
    c = campaign()
    done = {ANNOTATOR_ACTION: [], EXPERT_ACTION: []}
    if c.weak_task_action == OFF or not rows:
        return done
    if c.weak_task_action not in (ANNOTATOR_ACTION, EXPERT_ACTION):
        raise AppError(f"weak_task_action must be annotator, expert or off, not {c.weak_task_action!r}")
    run = run_selectors.live_run()
    weak = []
    # judged together, one stack per method: a re-weigh writes thousands of rows at once
    candidates: dict[str, list] = {}
    crew = annotators_per_chip()
    for row in rows:
        if row.inputs.get("expert_override") or len(row.inputs.get("annotations", ())) > crew:
            continue  # an expert decided it, or its extra annotator labeled it already
        candidates.setdefault(row.method, []).append(row)
    for method, group in candidates.items():
        if not run_selectors.has_calibration(run, method):
            continue  # no map yet (too few reference tasks): nothing to judge by, no score decoded
        probability = run_selectors.probability(run, method, np.stack([score_from_bytes(r.score) for r in group]))
        labels = labels_stack_from_bytes(r.label for r in group)
        flags = core.weak_tasks(labels, probability, p=c.weak_task_probability, n=c.weak_task_pixels)
        weak += [r.task_id for r, flag in zip(group, flags) if flag]
    if not weak:
        return done
    handled = set(ReferenceTask.objects.filter(task_id__in=weak).values_list("task_id", flat=True))
    handled |= set(ExtraAnnotator.objects.filter(task_id__in=weak).values_list("task_id", flat=True))
    for task_id in weak:
        if task_id in handled:
            continue  # once per task: a weak task is given one more pair of eyes, not a stream of them
        if c.weak_task_action == ANNOTATOR_ACTION and _extra_annotator(task_id):
            done[ANNOTATOR_ACTION].append(task_id)
        else:  # the experts' queue (also when no annotator can take it)
            reference_task_add(task_id=task_id, chosen_by=WEAK_CONSENSUS)
            done[EXPERT_ACTION].append(task_id)
    return done


def _extra_annotator(task_id: int) -> bool:
    """Give the task to the most accurate annotator who never labeled it nor held its chip, fewest extra tasks
    first; False when there is none."""
    chip_id = Task.objects.filter(pk=task_id).values_list("chip_id", flat=True).first()
    users = (get_user_model().objects.filter(groups__name=ANNOTATOR, is_active=True)
             .exclude(pk__in=Assignment.objects.filter(chip_id=chip_id).values("user_id"))
             .exclude(pk__in=Annotation.objects.filter(task_id=task_id).values("annotator_id"))
             .annotate(extra=Count("extra_tasks", filter=Q(extra_tasks__ended_at__isnull=True)))
             .order_by(F("annotator_accuracy__accuracy").desc(nulls_last=True), "extra", "pk"))
    for user in users[:5]:
        try:
            extra_annotator_add(task_id=task_id, user=user, reason=WEAK_CONSENSUS)
            return True
        except AppError:
            continue
    return False
