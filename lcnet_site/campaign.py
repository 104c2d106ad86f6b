"""The campaign's knobs, in one object: every app reads `campaign()` instead of its own setting or constant.

Values come from the environment (settings.LCNET_CAMPAIGN, built in settings.py) so that a deployment changes them
in one place; a per-campaign database row can later replace this function without touching its callers.
Documented in one table: docs/campaign.md.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from django.conf import settings


@dataclass(frozen=True)
class Campaign:
    annotators_per_chip: int = 3  # the paper: three annotators label every chip
    reference_tasks: int = 540  # select_reference_tasks' default total (the paper: about 540)
    # Reference placement (consensus/reference_policy.py): a top-up goes first to uncertain annotators' chips.
    reference_wide_interval: float = 0.10  # a 95 % accuracy interval wider than this is still uncertain
    reference_uncertain_share: float = 0.5  # share of a top-up placed on their chips (the rest: stratified)
    consensus_method: str = "bayes"  # bayes (the paper's Eq. 1) | dawid-skene
    prior_accuracy: float = 0.7  # weight of an annotator who has no reference task yet
    dawid_skene_refit_delay_s: int = 30  # a submit refits its tile's Dawid–Skene this much later, once per burst
    # Accuracy with uncertainty (docs/consensus.md): pooled reference pixels, Beta credible interval.
    accuracy_min_task_pixels: int = 100  # a reference task counts in the pooled accuracy with this many expert pixels
    accuracy_min_pixels: int = 3000  # fewer pooled reference pixels (~3 tasks): "not enough reference pixels yet"
    # Effort where labels are uncertain (docs/consensus.md, "Policies"): a task is weak when more than
    # weak_task_pixels of its labeled pixels have a calibrated probability under weak_task_probability.
    weak_task_pixels: int = 200
    weak_task_probability: float = 0.6
    weak_task_action: str = "annotator"  # annotator (a fourth, for that task only) | expert (their queue) | off
    export_collection_id: str = "lcnet_labels"  # STAC Collection id of the exported dataset
    export_license: str = "CC-BY-4.0"  # licence named in the exported STAC Items and Collection
    # Scene selection of acquire_chips (docs/acquisition.md): the paper's 24 scenes a year, judged on the chip.
    acquire_scenes_per_chip: int = 24  # 12 month picks + 12 extras
    acquire_max_tile_cloud_pct: float = 90.0  # first filter: Items above this eo:cloud_cover are never probed
    acquire_max_chip_nodata_pct: float = 50.0  # a scene with more of the chip outside the swath does not count
    # Guess labels (docs/guesslabels.md): land-cover maps, the date grid, learning from the campaign.
    guess_default_mapping: str = "globeland30"  # mapping table of a land-cover map registered without one
    guess_max_gap_days: int = 90  # a chip whose valid observations leave a longer gap is reported by its run
    guess_retrain_chips: int = 3  # new chips with final consensus in a tile before its model is retrained on them
    guess_campaign_chips_per_tile: int = 4  # chips per tile (evenly spread) the campaign-wide model learns from


def campaign() -> Campaign:
    """The campaign settings in force (settings.LCNET_CAMPAIGN overrides the defaults field by field)."""
    overrides = settings.LCNET_CAMPAIGN or {}
    known = {f.name for f in fields(Campaign)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"LCNET_CAMPAIGN: unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
    return replace(Campaign(), **overrides)
