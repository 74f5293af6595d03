"""What a visitor who is not logged in can reach, under the production settings, is exactly what the README lists.

The survey (``portal.devtools.public_urls``) runs in a process of its own with ``.env.example``'s production
variables, against this test's PostgreSQL database and Redis: every route, an anonymous GET each.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import clear_url_caches

from conftest import postgres_url_of_tests
from portal.tests.envfile import env_example

ROOT = Path(__file__).resolve().parents[2]
_PARAM = re.compile(r"<[^>]+>")


def documented_public_routes() -> set[str]:
    """The routes between the README's ``public-urls`` markers, as ``api/communes/<>/`` (parameters unnamed)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- public-urls:begin -->", 1)[1].split("<!-- public-urls:end -->", 1)[0]
    routes = set()
    for line in block.splitlines():
        if line.startswith("- "):
            for path in re.findall(r"`(/[^`]*)`", line.split(" — ")[0]):
                routes.add(_PARAM.sub("<>", path.lstrip("/")))
    return routes


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update(env_example())
    env.update(
        DATABASE_URL=postgres_url_of_tests(),  # this test's database: migrated, empty
        REDIS_URL=os.environ["REDIS_URL"],
        ADDRESS_CONVERTER_PRELOAD="0",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    return env


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db
def test_public_routes_in_production_are_the_documented_ones():
    env = _production_env()
    assert env["DJANGO_ENV"] == "production" and env["BENCH_ENDPOINTS"] == "0"
    result = subprocess.run(
        [sys.executable, "-m", "portal.devtools.public_urls"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    survey = json.loads(result.stdout)
    unknown = [row["route"] for row in survey if row["public"] is None]
    assert not unknown, f"routes the survey could not request: {unknown}"
    served = {_PARAM.sub("<>", row["route"]) for row in survey if row["public"]}
    documented = documented_public_routes()
    assert served == documented, {"not documented": served - documented, "not served": documented - served}
    # and the private ones really are there, and closed
    closed = {row["route"] for row in survey if row["public"] is False}
    assert {"api/dossiers/", "api/dossiers/<pk>/", "api/dossiers/<id>/documents/", "admin/"} <= closed


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db
def test_no_http_basic_authentication_in_production():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "TokenAuthentication" in result.stdout and "SessionAuthentication" in result.stdout
    assert "BasicAuthentication" not in result.stdout


def test_the_documented_list_is_read():
    routes = documented_public_routes()
    assert "api/lookup/" in routes and "api/procedures/<>/" in routes and "" in routes
    assert not any(route.startswith("api/dossiers") for route in routes)


@pytest.fixture
def bench_routes(settings):
    """The URL configuration rebuilt under ``BENCH_ENDPOINTS``, and rebuilt again afterwards."""
    import portal.urls

    def build(enabled: bool):
        settings.BENCH_ENDPOINTS = enabled
        importlib.reload(portal.urls)
        clear_url_caches()

    yield build
    build(False)


@pytest.mark.django_db
def test_benchmark_endpoints_are_routed_only_when_asked(bench_routes, client, django_user_model):
    bench_routes(False)
    assert client.get("/api/_bench/baseline/").status_code == 404
    assert client.post("/api/_bench/insert/", {}, content_type="application/json").status_code == 404
    bench_routes(True)
    response = client.get("/api/_bench/baseline/")
    assert response.status_code == 200 and response.json() == {"ok": True, "value": 1}
    # the insert baseline, like the filing it stands for, needs a log-in
    assert client.post("/api/_bench/insert/", {}, content_type="application/json").status_code in (401, 403)
