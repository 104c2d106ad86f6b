import os

from django.core.wsgi import get_wsgi_application

from lcnet_site.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcnet_site.settings")
application = get_wsgi_application()
freeze_startup_heap(import_views=True)  # each server worker loads this module once, before its first request
