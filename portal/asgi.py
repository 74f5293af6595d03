"""ASGI entry point. Nothing else happens at import; without gunicorn's ``post_worker_init`` hook the
old-address converter builds its index on the first conversion (``communes.address``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_asgi_application()
