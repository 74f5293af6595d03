"""Validation of the environment variables, shared by settings (at start-up) and the system checks.

Pure functions: they take values and raise :class:`ImproperlyConfigured` with a message that names the variable.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

PROFILES = ("development", "test", "production")
_TRUE = {"1", "true", "yes", "on", "y", "t"}


def _truthy(value: str) -> bool:
    return value.strip().lower() in _TRUE


def problems(profile: str, values: Mapping[str, str]) -> list[str]:
    """Return every problem with this combination of variables (empty when it is valid)."""
    found: list[str] = []
    if profile not in PROFILES:
        found.append(f"DJANGO_ENV={profile!r} is not one of {', '.join(PROFILES)}.")
        return found
    if profile != "production":
        return found
    if not values.get("SECRET_KEY"):
        found.append("SECRET_KEY is required when DJANGO_ENV=production.")
    elif len(values["SECRET_KEY"]) < 50:
        found.append("SECRET_KEY must be at least 50 characters long when DJANGO_ENV=production.")
    database_url = values.get("DATABASE_URL", "")
    if not database_url:
        found.append("DATABASE_URL is required when DJANGO_ENV=production (postgres://…).")
    elif not database_url.startswith(("postgres://", "postgresql://", "pgsql://", "postgis://")):
        found.append("DATABASE_URL must point to PostgreSQL when DJANGO_ENV=production; SQLite is refused.")
    if not values.get("REDIS_URL"):
        found.append("REDIS_URL is required when DJANGO_ENV=production (Celery broker and cache).")
    if _truthy(values.get("CELERY_TASK_ALWAYS_EAGER", "")):
        found.append("CELERY_TASK_ALWAYS_EAGER must be off when DJANGO_ENV=production.")
    if not values.get("ALLOWED_HOSTS"):
        found.append("ALLOWED_HOSTS is required when DJANGO_ENV=production.")
    if _truthy(values.get("DEBUG", "")):
        found.append("DEBUG must be off when DJANGO_ENV=production.")
    return found


def validate_environment(profile: str, values: Mapping[str, str]) -> None:
    found = problems(profile, values)
    if found:
        raise ImproperlyConfigured("Invalid environment: " + " ".join(found))
