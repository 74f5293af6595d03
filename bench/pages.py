"""The citizen pages on a weak rural link: bytes transferred and time until the main content is visible, in Chromium
under DevTools' slow-3G conditions, beside a bare HTML page served by the same server in the same run.

What it does, all on loopback, bounded in time, stopping by itself:

1. prepares a PostgreSQL database (``--database-url``, default ``postgres://postgres@127.0.0.1:5432/portal_bench_pages``;
   created when missing): ``migrate``, ``load_communes``, ``load_catalogue``, ``seed_demo`` (the demo citizens and
   300 dossiers, so "most filed" has real counts);
2. collects the static files as production does (``collectstatic``: hashed, compressed names) into a temporary
   folder and serves the portal with gunicorn under the production settings (``DJANGO_ENV=production``,
   ``.env.example``'s values, this machine's PostgreSQL and Redis, HTTPS redirect off for loopback,
   ``BENCH_ENDPOINTS=1`` for the bare page ``/api/_bench/bare-page/``);
3. for each page — the bare page, the home, the catalogue (a search), a procedure page and the first step of
   online filing (logged in as a demo citizen: the session cookie is made beforehand) — opens it ``--runs`` times
   in a fresh browser context (cold cache: a person's first visit, the worst case) at 360 × 740 px with the network
   throttled through the DevTools protocol (``Network.emulateNetworkConditions``; slow 3G: 2,000 ms latency,
   50,000 bytes/s each way — DevTools' own preset), and reads:
   * **bytes**: the encoded (on-the-wire) size of every response of the page load (``Network.loadingFinished``);
   * **visible**: the largest contentful paint (``largest-contentful-paint`` entries): when the page's main content
     was painted; also the first contentful paint;
4. prints, per page, the medians: bytes, requests, first paint, main content visible (target ≤ 3.0 s), and the
   ratio of the page's visible time to the bare page's.

Benchmarks are not tests: the script prints, it does not gate CI.

    .venv/bin/python bench/pages.py                 # full run (setup ~1 min, then ~1.5 min)
    .venv/bin/python bench/pages.py --skip-setup    # reuse the prepared database
    .venv/bin/python bench/pages.py --profile fast3g
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from serving import call_in_subprocess, ensure_database, free_port, manage, wait_ready

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from portal.tests.envfile import env_example  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_pages"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# DevTools' presets (front_end/core/sdk/NetworkManager.ts): bytes per second and added latency per request
PROFILES = {
    "slow3g": {"latency": 2000, "downloadThroughput": 500_000 / 8 * 0.8, "uploadThroughput": 500_000 / 8 * 0.8},
    "fast3g": {"latency": 562.5, "downloadThroughput": 1_600_000 / 8 * 0.9, "uploadThroughput": 750_000 / 8 * 0.9},
}
TARGET_SECONDS = 3.0
CITIZEN = "demo-congdan-1"
PROCEDURE = "1.001193"


def production_env(database_url: str, redis_url: str, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    env.update(env_example())
    env.update(
        DJANGO_ENV="production",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=static_root,
        BENCH_ENDPOINTS="1",
        ADDRESS_CONVERTER_PRELOAD="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    return env


def setup(database_url: str, redis_url: str) -> None:
    ensure_database(database_url)
    env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_communes")
    manage(env, "load_catalogue")
    manage(env, "seed_demo")


def session_cookie() -> None:
    """Print a session id for the demo citizen (run in a subprocess under the server's settings)."""
    import django

    django.setup()
    from django.test import Client

    from portal.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=CITIZEN))
    print(client.cookies["sessionid"].value)


def measure(browser, url: str, conditions: dict, cookies: list[dict]) -> dict:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="vi-VN")
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **conditions})
    sizes: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: sizes.append(int(event["encodedDataLength"])))
    page.add_init_script(
        """window.__lcp = 0;
        new PerformanceObserver(list => { for (const e of list.getEntries()) window.__lcp = e.startTime; })
            .observe({type: 'largest-contentful-paint', buffered: true});"""
    )
    response = page.goto(url, wait_until="load", timeout=120_000)
    status = response.status if response else 0
    page.wait_for_timeout(300)  # let the last paint entries arrive
    timings = page.evaluate(
        """() => {
            const fcp = performance.getEntriesByName('first-contentful-paint')[0];
            return {fcp: fcp ? fcp.startTime : 0, lcp: window.__lcp || 0};
        }"""
    )
    context.close()
    return {
        "status": status,
        "bytes": sum(sizes),
        "requests": len(sizes),
        "fcp": timings["fcp"] / 1000,
        "lcp": timings["lcp"] / 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="slow3g")
    args = parser.parse_args()

    if not Path(CHROMIUM).exists():
        sys.exit(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    if not args.skip_setup:
        setup(args.database_url, args.redis_url)

    with tempfile.TemporaryDirectory(prefix="bench-pages-static-") as static_root:
        env = production_env(args.database_url, args.redis_url, static_root)
        manage(env, "collectstatic", "--no-input", "-v", "0")
        sid = call_in_subprocess(env, "pages", "session_cookie()", capture=True).strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_ready(f"{base}/healthz", server)
            pages = [
                ("bare HTML page", "/api/_bench/bare-page/", False),
                ("home", "/", False),
                ("catalogue (search)", "/thu-tuc/?q=dang+ky+khai+sinh", False),
                ("procedure page", f"/thu-tuc/{PROCEDURE}/", False),
                ("filing, first step", f"/nop-ho-so/{PROCEDURE}/", True),
            ]
            cookies = [{"name": "sessionid", "value": sid, "url": base}]
            results = run_pages(base, pages, PROFILES[args.profile], cookies, args.runs)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(results, args.profile, args.runs)
    return 0


def run_pages(base: str, pages, conditions: dict, cookies: list[dict], runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for name, path, logged_in in pages:
                measure(browser, base + path, {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}, [])
                samples = [measure(browser, base + path, conditions, cookies if logged_in else []) for _ in range(runs)]
                statuses = {s["status"] for s in samples}
                results.append(
                    {
                        "name": name,
                        "path": path,
                        "status": ",".join(str(s) for s in sorted(statuses)),
                        "bytes": statistics.median(s["bytes"] for s in samples),
                        "requests": statistics.median(s["requests"] for s in samples),
                        "fcp": statistics.median(s["fcp"] for s in samples),
                        "lcp": statistics.median(s["lcp"] for s in samples),
                    }
                )
        finally:
            browser.close()
    return results


def report(results: list[dict], profile: str, runs: int) -> None:
    bare = results[0]
    print(f"\nCitizen pages under {profile} (360 px, cold cache), medians of {runs} loads each")
    header = f"{'page':<22} {'status':>6} {'bytes':>8} {'req':>4} {'first paint':>12} {'visible':>8} {'× bare':>7}"
    print(header + "  target")
    for row in results:
        ratio = row["lcp"] / bare["lcp"] if bare["lcp"] else float("nan")
        verdict = "" if row is bare else ("met" if row["lcp"] <= TARGET_SECONDS else "MISSED")
        print(
            f"{row['name']:<22} {row['status']:>6} {row['bytes']:>8,.0f} {row['requests']:>4.0f} "
            f"{row['fcp']:>10.2f} s {row['lcp']:>6.2f} s {ratio:>7.2f}  {verdict}"
        )
    print(f"target: main content visible ≤ {TARGET_SECONDS:.1f} s; bytes are on the wire (compressed), all requests")


if __name__ == "__main__":
    sys.exit(main())
