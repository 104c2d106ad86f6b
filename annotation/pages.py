"""The labeling page (`/label/`): one HTML shell; the work happens in frontend/static/frontend/label.js.

The palette, class names, layers and SCL cloud codes come from imagery.lib.domain / imagery.lib.render and are rendered into
the page as JSON, so the browser and the server share one source for them.
"""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from imagery.lib.domain import BANDS, CHIP_SIZE, CLASS_COLORS, CLASS_NAMES, SCL_INVALID, TASK_SIZE
from imagery.lib.render import LAYERS
from lcnet_site.roles import ANNOTATOR, EXPERT, EXPORTER, has_role, is_admin

# Class hotkeys: mnemonic letters (1–5 are the imagery layers, as the issue asks).
CLASS_KEYS = {1: "w", 2: "a", 3: "n", 4: "s", 5: "o", 6: "c", 7: "g"}
LAYER_NAMES = {"rgb": "RGB", "false_color": "False color", "ndvi": "NDVI", "ndwi": "NDWI", "swir": "SWIR"}
LAYER_ORDER = ["rgb", "false_color", "ndvi", "ndwi", "swir"]  # the order of keys 1–5
# Preloaded together so the browser fetches the whole module graph in one round trip.
MODULES = [f"frontend/{name}.js" for name in (
    "label", "api", "backup", "banner", "imagery", "keys", "labels", "profile", "session", "stage", "timeline")]


def page_config(request) -> dict:
    layers = sorted(LAYERS, key=lambda k: LAYER_ORDER.index(k) if k in LAYER_ORDER else len(LAYER_ORDER))
    task = request.GET.get("task", "")
    return {
        "classes": [
            {"code": code, "name": CLASS_NAMES[code], "color": list(CLASS_COLORS[code]), "key": CLASS_KEYS.get(code)}
            for code in sorted(CLASS_NAMES)
        ],
        "layers": [{"id": k, "name": LAYER_NAMES.get(k, k.replace("_", " ").title())} for k in layers],
        "bands": list(BANDS),
        "invalidScl": list(SCL_INVALID),
        "taskSize": TASK_SIZE,
        "chipSize": CHIP_SIZE,
        "initialTask": int(task) if task.isdigit() else None,
        "user": {"name": request.user.get_username(), "expert": has_role(request.user, EXPERT),
                 "labeler": has_role(request.user, ANNOTATOR) or has_role(request.user, EXPERT)},
    }


def elsewhere_links(user) -> list[dict]:
    """Where admins and exporters, who have no labeling work here, can go instead."""
    links = []
    if is_admin(user):
        links += [{"href": reverse("admin:index"), "text": "Admin (assignments, freezing, reference tasks)"},
                  {"href": reverse("stats-dashboard"), "text": "Progress and statistics dashboard"}]
    if has_role(user, EXPORTER):
        links += [{"href": reverse("export-chips"), "text": "Export API: finished chips"},
                  {"href": reverse("api-docs"), "text": "API documentation"}]
    return links


@login_required
def label_page(request):
    return render(request, "annotation/label.html",
                  {"config": page_config(request), "modules": MODULES, "elsewhere": elsewhere_links(request.user)})
