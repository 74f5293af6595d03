"""The Celery application: configured from Django settings (``CELERY_*``), tasks autodiscovered in every app."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_portal_logging(**kwargs) -> None:
    """Workers and beat log through ``settings.LOGGING`` — with its filter that masks ID numbers and phones — instead
    of the handlers Celery would install on the root logger."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
