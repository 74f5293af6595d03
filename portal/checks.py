"""System checks: the production profile refuses SQLite and eager Celery, whatever overrode the settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.database, deploy=False)
def production_services(app_configs=None, **kwargs):
    if getattr(settings, "DJANGO_ENV", "development") != "production":
        return []
    errors = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "sqlite" in engine:
        errors.append(
            Error(
                "SQLite is refused in production.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/portal.",
                id="portal.E001",
            )
        )
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        errors.append(
            Error(
                "Eager Celery is refused in production: tasks would run inside web requests.",
                hint="Unset CELERY_TASK_ALWAYS_EAGER and set REDIS_URL=redis://host:6379/0.",
                id="portal.E002",
            )
        )
    if str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("memory://"):
        errors.append(
            Error(
                "The in-memory Celery broker is refused in production.",
                hint="Set REDIS_URL=redis://host:6379/0.",
                id="portal.E003",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def metrics_token(app_configs=None, **kwargs):
    """/metrics answers nobody without a token: in production that is a monitoring blind spot, said at deploy time."""
    if getattr(settings, "DJANGO_ENV", "development") != "production" or not getattr(settings, "METRICS", False):
        return []
    if getattr(settings, "METRICS_TOKEN", ""):
        return []
    return [
        Warning(
            "METRICS is on but METRICS_TOKEN is empty: /metrics refuses every scrape.",
            hint="Set METRICS_TOKEN to a long random value and give Prometheus the same bearer token.",
            id="portal.W010",
        )
    ]
