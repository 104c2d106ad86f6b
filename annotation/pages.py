"""The labeling page (`/label/`): one HTML shell; the work happens in frontend/static/frontend/label.js.

The palette, class names, layers (with their bands or index ramp), the task and chip sizes, the zoom contexts, the
flag reasons and the SCL cloud codes come from imagery.lib.domain / imagery.lib.render / annotation.models and are
rendered into the page as JSON, so the browser and the server share one source for them. Admins and exporters,
who have nothing to label, get a page of their own entry points instead of the labeling tools.
"""
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from imagery.lib.domain import BANDS, CHIP_SIZE, CLASS_COLORS, CLASS_NAMES, SCL_INVALID, TASK_SIZE, TASKS_PER_SIDE
from imagery.lib.render import COMPOSITE_BANDS, INDEX_LAYERS, LAYERS
from lcnet_site.errors import AppError
from lcnet_site.ids import parse_id
from lcnet_site.request_guard import error_response
from lcnet_site.roles import ANNOTATOR, EXPERT, EXPORTER, has_role, is_admin

from annotation.models import COMMENT_MAX_LENGTH, FlagReason

LAYER_NAMES = {"rgb": "RGB", "false_color": "False color", "ndvi": "NDVI", "ndwi": "NDWI", "swir": "SWIR"}
LAYER_ORDER = ["rgb", "false_color", "ndvi", "ndwi", "swir"]  # the order of the layer keys (Q W E A S)
# Zoom presets and layer-request contexts: pixels shown around the task; the last one always shows the whole chip.
CONTEXTS = [0, 8, 32, 96, CHIP_SIZE - TASK_SIZE]
# Every module of the page, preloaded together so the browser fetches the whole module graph in one round trip.
STATIC = Path(__file__).resolve().parent.parent / "frontend" / "static"
MODULES = sorted(f"frontend/{p.name}" for p in (STATIC / "frontend").glob("*.js"))


def layer_config(name: str) -> dict:
    out = {"id": name, "name": LAYER_NAMES.get(name, name.replace("_", " ").title())}
    if name in COMPOSITE_BANDS:
        out["bands"] = list(COMPOSITE_BANDS[name])
    if name in INDEX_LAYERS:
        a, b, stops, low, high = INDEX_LAYERS[name]
        out.update(formula=f"({a} − {b}) / ({a} + {b})", ramp=stops.split(), rampLow=low, rampHigh=high)
    return out


def initial_task(request) -> int | None:
    """`?task=` as a task id; anything but ASCII digits is a 400 (str.isdigit also accepts "²", which int refuses)."""
    task = request.GET.get("task", "")
    if not task:
        return None
    task_id = parse_id(task)
    if task_id is None:
        raise AppError("task must be a task id (digits)", field="task")
    return task_id


def page_config(request) -> dict:
    layers = sorted(LAYERS, key=lambda k: LAYER_ORDER.index(k) if k in LAYER_ORDER else len(LAYER_ORDER))
    return {
        "classes": [
            {"code": code, "name": CLASS_NAMES[code], "color": list(CLASS_COLORS[code])} for code in sorted(CLASS_NAMES)
        ],
        "layers": [layer_config(k) for k in layers],
        "bands": list(BANDS),
        "invalidScl": list(SCL_INVALID),
        "taskSize": TASK_SIZE,
        "chipSize": CHIP_SIZE,
        "tasksPerSide": TASKS_PER_SIDE,
        "contexts": CONTEXTS,
        "flagReasons": [{"id": value, "label": label} for value, label in FlagReason.choices],
        "commentMaxLength": COMMENT_MAX_LENGTH,
        "initialTask": initial_task(request),
        "user": {"name": request.user.get_username(), "expert": has_role(request.user, EXPERT),
                 "labeler": is_labeler(request.user)},
    }


def is_labeler(user) -> bool:
    return has_role(user, ANNOTATOR) or has_role(user, EXPERT)


def elsewhere_links(user) -> list[dict]:
    """Where admins and exporters, who have no labeling work here, can go instead."""
    links = []
    if is_admin(user):
        links += [{"href": reverse("admin:index"), "text": "Admin (assignments, freezing, reference tasks, flags)"},
                  {"href": reverse("stats-dashboard"), "text": "Progress and statistics dashboard"}]
    if has_role(user, EXPORTER):
        links += [{"href": reverse("export-chips"), "text": "Export API: finished chips"},
                  {"href": reverse("api-docs"), "text": "API documentation"}]
    return links


@login_required
def label_page(request):
    if not is_labeler(request.user):
        return render(request, "annotation/no_labeling.html", {"elsewhere": elsewhere_links(request.user)})
    try:
        config = page_config(request)
    except AppError as exc:
        return error_response(request, exc)
    return render(request, "annotation/label.html", {"config": config, "modules": MODULES})
