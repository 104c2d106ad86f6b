"""Look a task up *and* check the caller may see it, so no imagery view forgets the permission check."""

import importlib
import logging

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from lcnet_site.roles import is_admin

from .models import Task

log = logging.getLogger(__name__)


def admins_see_all(user) -> QuerySet[Task]:
    """Fallback visibility until annotation provides its own: admins see every task, others none."""
    return Task.objects.all() if is_admin(user) else Task.objects.none()


def _visibility():
    """The selector named by settings.LCNET_TASK_VISIBILITY, imported on first use (imagery never imports
    annotation at module level). Only a missing module/function falls back; a broken one raises."""
    path = getattr(settings, "LCNET_TASK_VISIBILITY", "")
    if not path:
        return admins_see_all
    module_name, _, name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        log.warning("LCNET_TASK_VISIBILITY %s not importable yet: only admins see tasks", path)
        return admins_see_all
    return getattr(module, name, admins_see_all)


def access_task(user, task_id: int) -> Task:
    """The task (with its chip) if `user` may work on it; Http404 otherwise, so its existence is not revealed."""
    if not 0 < task_id < 2**63:  # beyond bigint Postgres would raise instead of finding nothing
        raise Http404("No such task.")
    task = _visibility()(user).select_related("chip").filter(pk=task_id).first()
    if task is None:
        raise Http404("No such task.")
    return task
