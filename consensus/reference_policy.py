"""Reference tasks where they teach the most (docs/consensus.md, "Policies"): a top-up of the reference set goes
first to the chips of annotators whose accuracy is still uncertain — no pooled accuracy yet ("not enough reference
pixels"), or a 95 % interval wider than the campaign's `reference_wide_interval` — since one more expert task on
their work narrows their weight in the consensus most. Only a share of the top-up (`reference_uncertain_share`) is
placed so; the rest stays spread over tiles and chips, so the reference set still represents the campaign (it also
measures calibration)."""
from __future__ import annotations

from annotation.models import Assignment, ReferenceTask
from annotation.services.references import reference_tasks_select
from lcnet_site.campaign import campaign
from lcnet_site.roles import ANNOTATOR

from consensus.models import AnnotatorAccuracy


def _holdings() -> dict[int, set[str]]:
    """{annotator: chips} of the active annotators' current assignments, in one query."""
    held: dict[int, set[str]] = {}
    rows = Assignment.objects.filter(ended_at__isnull=True, user__is_active=True, user__groups__name=ANNOTATOR)
    for user_id, chip_id in rows.values_list("user_id", "chip_id"):
        held.setdefault(user_id, set()).add(chip_id)
    return held


def uncertain_annotators(*, width: float, holdings: dict[int, set[str]] | None = None) -> list[int]:
    """Active annotators holding chips whose accuracy is unknown or has a 95 % interval wider than `width`:
    unknown first, then widest first."""
    holders = set(_holdings() if holdings is None else holdings)
    pooled = dict(AnnotatorAccuracy.objects.filter(annotator_id__in=holders).values_list("annotator_id", "pooled"))
    spread = {a: (p["high"] - p["low"]) if p else float("inf") for a, p in ((a, pooled.get(a)) for a in holders)}
    return sorted((a for a, w in spread.items() if w > width), key=lambda a: (-spread[a], a))


def reference_tasks_place(*, count: int, seed: int = 0, progress=None) -> list[ReferenceTask]:
    """Top the reference tasks up to `count`, a share of them on the chips of uncertain annotators."""
    knobs = campaign()
    holdings = _holdings()
    chips = set().union(*(holdings[a] for a in uncertain_annotators(width=knobs.reference_wide_interval,
                                                                     holdings=holdings)))
    return reference_tasks_select(count=count, seed=seed, progress=progress, first_from_chips=chips,
                                  first_share=knobs.reference_uncertain_share)
