import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

from lcnet_site.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings")

app = Celery("lcnet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect  # each prefork child, which runs the jobs
@worker_ready.connect  # the main process, which runs them under the solo and thread pools
def _freeze_startup_heap(**kwargs):
    freeze_startup_heap()


@app.task(name="lcnet.ping", acks_late=True)
def ping(value):
    """Echo: proves a worker is up and the broker and result backend work."""
    return value
