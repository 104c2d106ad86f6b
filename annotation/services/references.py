"""Choosing reference tasks for the experts."""
import numpy as np
from django.contrib.auth import get_user_model

from imagery.models import Task
from lcnet_site.roles import EXPERT

from annotation.lib.sampling import stratified_pick
from annotation.models import ReferenceTask

User = get_user_model()


def reference_tasks_select(*, count: int, seed: int = 0, progress=None, first_from_chips=(),
                           first_share: float = 0.0) -> list[ReferenceTask]:
    """Top the reference tasks up to `count`, stratified over tiles and chips (seeded), given to experts in turn.

    `first_from_chips`: chips whose tasks go first, for up to `first_share` of the top-up and at most one new
    reference task a chip (consensus places them on the chips of annotators whose accuracy is still uncertain); the
    rest is spread over the whole campaign as without them, so the reference set stays representative.
    Idempotent: with `count` already reached nothing changes. Tasks without data are never chosen.
    """
    existing = ReferenceTask.objects.count()
    need = count - existing
    if need <= 0:
        return []
    rows = list(
        Task.objects.filter(has_data=True, reference__isnull=True).order_by("pk").values_list("pk", "chip_id", "chip__tile_id")
    )
    if not rows:
        return []
    ids = np.array([r[0] for r in rows])
    chip_of = np.array([r[1] for r in rows], dtype=object)
    chips = np.unique(chip_of, return_inverse=True)[1]
    tiles = np.unique([r[2] for r in rows], return_inverse=True)[1]
    preferred = np.isin(chip_of, list(first_from_chips))
    first = np.flatnonzero(preferred)
    n_first = min(int(need * first_share), len(np.unique(chips[first])))
    first = first[stratified_pick(tiles[first], chips[first], n_first, seed)]
    rest = np.setdiff1d(np.arange(len(ids)), first)
    rest = rest[stratified_pick(tiles[rest], chips[rest], need - len(first), seed)]
    picked = ids[np.concatenate([first, rest])]
    experts = list(User.objects.filter(is_active=True, groups__name=EXPERT).order_by("pk"))
    refs = [
        ReferenceTask(task_id=int(t), expert=experts[(existing + i) % len(experts)] if experts else None, chosen_by=f"seed={seed}")
        for i, t in enumerate(progress(picked) if progress else picked)
    ]
    return ReferenceTask.objects.bulk_create(refs, ignore_conflicts=True)


def reference_task_add(*, task_id: int, expert=None, chosen_by: str = "admin") -> ReferenceTask:
    ref, _ = ReferenceTask.objects.get_or_create(task_id=task_id, defaults={"expert": expert, "chosen_by": chosen_by})
    return ref
