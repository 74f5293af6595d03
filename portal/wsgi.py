import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

from communes.address import start_background_warm_up  # noqa: E402

start_background_warm_up()
