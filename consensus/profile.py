"""Readers of an annotator's accuracy profile (their own page, or an admin's view of anyone's): pooled accuracy with
its credible interval, per-class recall and precision, confusions in words, history, and example reference tasks
where they differed — with the expert's labels only once that reference is closed to them (they can no longer edit
their labels of it: their assignment to the chip ended or the chip is frozen). No consensus is ever shown here."""
from __future__ import annotations

from annotation.lib.labels import labels_from_bytes
from annotation.models import Annotation, Assignment, ChipFreeze, ExpertLabel, Status
from imagery.models import Task
from lcnet_site.campaign import campaign

from consensus.lib import accuracy as accuracy_core
from consensus.models import AccuracySnapshot, AnnotatorAccuracy

NOT_ENOUGH = "not enough reference pixels yet"
EXAMPLES = 5


def annotator_profile(annotator_id: int, *, reveal_references: bool = False) -> dict:
    """The profile of one annotator. `reveal_references` (admins): expert labels of every example."""
    score = AnnotatorAccuracy.objects.filter(annotator_id=annotator_id).first()
    c = campaign()
    if score is None or not score.n_reference_tasks:
        return {"annotator": annotator_id, "status": "no_reference", "message": NOT_ENOUGH, "pooled": None,
                "mean_of_tasks": None, "n_reference_tasks": 0, "n_reference_pixels": 0, "needed_pixels":
                c.accuracy_min_pixels, "classes": [], "confusions": [], "history": [], "examples": []}
    pooled = score.pooled
    return {
        "annotator": annotator_id,
        "status": "ok" if pooled else "not_enough",
        "message": None if pooled else NOT_ENOUGH,
        "pooled": pooled and {k: pooled[k] for k in ("accuracy", "low", "high", "effective_pixels", "n_tasks")},
        "mean_of_tasks": score.accuracy,
        "n_reference_tasks": score.n_reference_tasks,
        "n_reference_pixels": score.n_reference_pixels,
        "needed_pixels": c.accuracy_min_pixels,
        "min_task_pixels": c.accuracy_min_task_pixels,
        "classes": accuracy_core.class_rates(score.confusion) if pooled else [],
        "confusions": accuracy_core.top_confusions(score.confusion) if pooled else [],
        "history": _history(annotator_id),
        "examples": _examples(annotator_id, score, reveal_references),
    }


def _history(annotator_id: int) -> list[dict]:
    rows = AccuracySnapshot.objects.filter(annotator_id=annotator_id).order_by("-at")[:100]
    return [{"at": r.at.isoformat(), "mean_of_tasks": r.accuracy,
             "accuracy": (r.pooled or {}).get("accuracy"), "low": (r.pooled or {}).get("low"),
             "high": (r.pooled or {}).get("high"), "n_reference_tasks": r.n_reference_tasks} for r in rows][::-1]


def _examples(annotator_id: int, score: AnnotatorAccuracy, reveal: bool) -> list[dict]:
    """The reference tasks where they differed most from the expert (lowest task accuracy first)."""
    worst = sorted(((a, int(t)) for t, a in score.task_accuracies.items() if a < 1))[:EXAMPLES]
    if not worst:
        return []
    ids = [t for _, t in worst]
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=ids).only("pk", "chip_id", "row", "col")}
    chips = {t.chip_id for t in tasks.values()}
    open_chips = set(Assignment.objects.filter(user_id=annotator_id, chip_id__in=chips, ended_at__isnull=True)
                     .values_list("chip_id", flat=True))
    open_chips -= set(ChipFreeze.objects.filter(chip_id__in=chips).values_list("chip_id", flat=True))
    closed = [t for t in ids if t in tasks and (reveal or tasks[t].chip_id not in open_chips)]
    expert = {e.task_id: e.labels for e in ExpertLabel.objects.filter(
        task_id__in=closed, status=Status.SUBMITTED).order_by("task_id", "submitted_at", "pk")}  # the latest counts
    own = dict(Annotation.objects.filter(task_id__in=ids, annotator_id=annotator_id).values_list("task_id", "labels"))
    out = []
    for accuracy, t in worst:
        if t not in tasks:
            continue
        shown = t in closed and t in expert
        correct, pixels = score.task_pixels.get(str(t), [None, None])
        out.append({
            "task": t, "chip": tasks[t].chip_id, "row": tasks[t].row, "col": tasks[t].col,
            "accuracy": accuracy, "expert_pixels": pixels, "pixels_alike": correct,
            "closed": tasks[t].chip_id not in open_chips,
            "your_labels": labels_from_bytes(own[t]).tolist() if t in own else None,
            "expert_labels": labels_from_bytes(expert[t]).tolist() if shown else None,
        })
    return out
