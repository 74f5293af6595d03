"""System checks of the dossier app's settings."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, register

_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


@register()
def lookup_rate(app_configs=None, **kwargs):
    """``LOOKUP_RATE`` must be what DRF's throttle parses; a bad value would only fail at the first lookup."""
    rate = getattr(settings, "LOOKUP_RATE", "")
    if isinstance(rate, str) and _RATE.match(rate):
        return []
    return [
        Error(
            f"LOOKUP_RATE={rate!r} is not a rate.",
            hint="Requests per period, e.g. 20/min, 5/sec, 300/hour or 1000/day.",
            id="dossiers.E001",
        )
    ]
