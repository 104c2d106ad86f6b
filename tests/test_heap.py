"""Web and worker processes freeze what they load at start-up (lcnet_site.heap): full collections skip it."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import gc, json, sys
{load}
print(json.dumps({{"frozen": gc.get_freeze_count(), "views": "export.api" in sys.modules}}))
"""


def _probe(load: str) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="lcnet_site.settings_test")
    out = subprocess.run([sys.executable, "-c", PROBE.format(load=load)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_wsgi_module_freezes_the_start_up_heap_with_every_view_loaded():
    state = _probe("import lcnet_site.wsgi")
    assert state["views"]  # imported before the freeze, not on the first request after it
    assert state["frozen"] > 100_000  # Django, DRF, numpy and the views: hundreds of thousands of objects


def test_a_celery_worker_freezes_its_heap_once_it_is_ready():
    before = _probe("import django; django.setup(); from lcnet_site.celery_app import app")
    after = _probe("import django; django.setup(); from lcnet_site.celery_app import app\n"
                   "from celery.signals import worker_ready; worker_ready.send(sender=None)")
    assert before["frozen"] == 0
    assert after["frozen"] > 50_000


HEAVY = ("sklearn", "imblearn", "pandas", "scipy.stats", "matplotlib")


def test_a_started_process_holds_no_library_only_training_or_drawing_needs():
    """What every web and worker process imports (the wsgi module loads every view, the job registry every
    service) leaves scikit-learn, imbalanced-learn, pandas, scipy.stats and matplotlib out: ~180 MB of a process
    that only a training job or a figure uses, imported when one runs (imagery.lib.pyplot, guesslabels.lib.model)."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="lcnet_site.settings_test")
    code = ("import json, sys, lcnet_site.wsgi, lcnet_site.celery_app, consensus.services, guesslabels.services, "
            "export.files, export.summaries\n"
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_the_figures_and_the_forest_still_load_their_libraries_when_used():
    import numpy as np

    from guesslabels.lib import model
    from guesslabels.lib.plots import metrics_png

    rng = np.random.default_rng(0)
    X, y = rng.random((400, 4)), np.repeat([1, 5], 200)
    clf, metrics = model.train(X, y, seed=0)
    assert type(clf).__name__ == "BalancedRandomForestClassifier"
    assert metrics_png(metrics, "t")[:8] == b"\x89PNG\r\n\x1a\n"
