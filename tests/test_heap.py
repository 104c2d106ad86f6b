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
