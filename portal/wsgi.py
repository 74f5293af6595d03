"""WSGI entry point. Nothing else happens at import: what a serving process starts (the old-address
converter's index) starts in gunicorn's ``post_worker_init`` hook (``gunicorn.conf.py``), in each worker, after
the fork."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()
