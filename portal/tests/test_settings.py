"""Settings profiles: the embedded default, and a production profile that refuses unsafe combinations."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from portal.envcheck import problems, validate_environment
from portal.tests.envfile import env_example

ROOT = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION = {
    "SECRET_KEY": "x" * 60,
    "DATABASE_URL": "postgres://portal:secret@db:5432/portal",
    "REDIS_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": "dichvucong.phutho.gov.vn",
}


def test_production_with_everything_is_valid():
    assert problems("production", GOOD_PRODUCTION) == []


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///var/portal.sqlite3"}, "DATABASE_URL"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"CELERY_TASK_ALWAYS_EAGER": "1"}, "CELERY_TASK_ALWAYS_EAGER"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DEBUG": "true"}, "DEBUG"),
    ],
)
def test_each_bad_production_variable_is_named(change, variable):
    found = problems("production", {**GOOD_PRODUCTION, **change})
    assert len(found) == 1
    assert found[0].startswith(variable)
    with pytest.raises(ImproperlyConfigured, match=variable):
        validate_environment("production", {**GOOD_PRODUCTION, **change})


def test_unknown_profile_is_named():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ENV"):
        validate_environment("prod", {})


def test_development_needs_nothing():
    assert problems("development", {}) == []


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DJANGO_ENV": "production"}, "SECRET_KEY"),
        ({"DJANGO_ENV": "production", **GOOD_PRODUCTION, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "DATABASE_URL"),
        ({"DJANGO_ENV": "production", **GOOD_PRODUCTION, "CELERY_TASK_ALWAYS_EAGER": "1"}, "CELERY_TASK_ALWAYS_EAGER"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV"),
    ],
)
def test_the_process_refuses_to_start(env, variable):
    result = _manage("check", **env)
    assert result.returncode != 0
    assert variable in result.stderr


def test_check_deploy_with_env_example_prints_no_warnings():
    values = env_example()
    assert values["DJANGO_ENV"] == "production"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **values)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "WARNINGS" not in result.stdout
    assert "System check identified no issues" in result.stdout


def test_system_check_refuses_sqlite_and_eager_celery_in_production(settings, monkeypatch):
    settings.DJANGO_ENV = "production"
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.sqlite3")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    ids = {message.id for message in run_checks()}
    assert {"portal.E001", "portal.E002"} <= ids


def test_system_check_is_quiet_outside_production(settings):
    settings.DJANGO_ENV = "development"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert not {m.id for m in run_checks()} & {"portal.E001", "portal.E002", "portal.E003"}


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_custom_user_model_is_in_the_first_migration():
    from portal.accounts.migrations import __path__ as migrations_path

    first = Path(migrations_path[0]) / "0001_initial.py"
    text = first.read_text()
    assert "name='User'" in text or 'name="User"' in text
    assert "id_number" in text


def _variables_read_by_settings() -> set[str]:
    """Every environment variable the settings modules read: ``env.<cast>("NAME"…)``, ``env("NAME"…)``, names read
    in a loop, ``os.environ``."""
    names = set()
    for module in ("settings.py", "envcheck.py", "celery.py"):
        text = (ROOT / "portal" / module).read_text(encoding="utf-8")
        names |= set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
        names |= set(re.findall(r"os\.environ(?:\.get|\.setdefault)?[\[(]\s*\"([A-Z][A-Z0-9_]*)\"", text))
        names |= set(re.findall(r"os\.getenv\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
        for block in re.findall(r"for name in \(([^)]*)\)", text):  # read in a loop: ``env.str(name, …)``
            names |= set(re.findall(r"\"([A-Z][A-Z0-9_]*)\"", block))
    names.discard("DJANGO_SETTINGS_MODULE")  # chosen by manage.py / wsgi.py, not a setting of the deployment
    return names


def test_env_example_lists_every_variable_the_settings_read():
    read = _variables_read_by_settings()
    assert {"DJANGO_ENV", "SECRET_KEY", "DATABASE_URL", "PRIVATE_STORAGE_BACKEND", "LOOKUP_RATE"} <= read  # it scans
    listed = env_example(commented=True)
    assert read - set(listed) == set(), "read by the settings but missing from .env.example"


def test_s3_private_storage_is_configured_from_the_environment():
    """The documented S3 option is real: django-storages is installed and the settings hand it the bucket."""
    code = (
        "import django; django.setup(); "
        "from django.core.files.storage import storages; s = storages['private']; "
        "print(type(s).__module__ + '.' + type(s).__name__, s.bucket_name, s.endpoint_url, s.default_acl, "
        "s.querystring_auth, s.file_overwrite)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "PRIVATE_"))},
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_ENV": "development",
            "PRIVATE_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
            "AWS_STORAGE_BUCKET_NAME": "ho-so-phu-tho",
            "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "AWS_ACCESS_KEY_ID": "khoa",
            "AWS_SECRET_ACCESS_KEY": "bi-mat",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "ho-so-phu-tho",
        "http://127.0.0.1:9000",
        "private",
        "True",
        "False",
    ]
