"""In production the static files are collected with hashed names and compressed copies, and WhiteNoise serves
them from the web process with a year's cache (issue 11, point 8). Run in a process of its own under the production
settings of ``.env.example`` (this test's PostgreSQL and Redis), like the release steps would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import postgres_url_of_tests
from portal.tests.envfile import env_example

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.templatetags.static import static
call_command("collectstatic", "--no-input", "-v", "0")
url = static("js/portal.js")
client = Client()
plain = client.get(url, secure=True)
packed = client.get(url, secure=True, HTTP_ACCEPT_ENCODING="gzip")
page = client.get("/tra-cuu/", secure=True)
print(json.dumps({
    "url": url,
    "status": plain.status_code,
    "cache": plain.get("Cache-Control", ""),
    "encoding": packed.get("Content-Encoding", ""),
    "page": page.status_code,
    "page_html": page.content.decode()[:4000],
}))
"""


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db
def test_collected_static_files_are_hashed_compressed_and_cached_for_a_year(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update(env_example())
    env.update(
        DATABASE_URL=postgres_url_of_tests(),
        REDIS_URL=os.environ["REDIS_URL"],
        STATIC_ROOT=str(tmp_path / "static"),
        ADDRESS_CONVERTER_PRELOAD="0",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="portal.settings",
        ALLOWED_HOSTS="testserver",
    )
    assert env["DJANGO_ENV"] == "production"
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    # a hashed name: js/portal.<12 hex>.js, with its compressed twin written beside it
    name = probe["url"].rsplit("/", 1)[1]
    assert name.startswith("portal.") and name.endswith(".js") and len(name.split(".")) == 3, probe["url"]
    assert (tmp_path / "static" / "js" / f"{name}.gz").exists()
    assert probe["status"] == 200
    assert "max-age=315360000" in probe["cache"] and "immutable" in probe["cache"]
    assert probe["encoding"] == "gzip"
    # pages work under the collected files: the stylesheet is read from them and inlined
    assert probe["page"] == 200
    assert "<style nonce=" in probe["page_html"] and ".wrap" in probe["page_html"]  # the policy's nonce on it
