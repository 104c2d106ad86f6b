import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings")

app = Celery("lcnet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="lcnet.ping", acks_late=True)
def ping(value):
    """Echo: proves a worker is up and the broker and result backend work."""
    return value
