"""Filing and receiving dossiers under load, against a bare one-INSERT DRF endpoint, in one run.

What it does, all on loopback, bounded in time, stopping by itself:

1. prepares a PostgreSQL database (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/portal_bench_submit``; created when missing): ``migrate``,
   ``load_communes``, then one procedure (1.001193, birth registration, commune level, 3 working days), one citizen
   account per client, one reception officer per reception centre used, their DRF tokens, and the table of the bare
   endpoint (``bench_insert``);
2. serves the portal with gunicorn, 2 sync workers, ``DJANGO_ENV=test``, ``DEBUG=0``, ``BENCH_ENDPOINTS=1``,
   persistent database connections, Celery eager (``CELERY_TASK_ALWAYS_EAGER=1``; the applicants give no e-mail
   address, so no notification task is queued), the per-process reference cache on (its default);
3. runs ``--clients`` concurrent clients (threads, one keep-nothing HTTP connection each; gunicorn's sync workers
   close every connection) for ``--duration`` seconds per scenario and round, in turn:
   * **submit**: each client files a dossier as its citizen (``POST /api/dossiers/`` with an ``Idempotency-Key``),
     then receives it as the reception officer of the centre (``POST /api/dossiers/{id}/receive/`` with
     ``If-Match`` set to the ETag it got); a dossier counts when it is received. A request that fails in transit
     is retried with the same key / ETag, as a real client would;
   * **bare**: each client posts the same JSON body to ``POST /api/_bench/insert/`` (``bench/endpoints.py``:
     same middleware, token authentication and JSON rendering, one ``INSERT``); a row counts when answered 201;
4. prints dossiers/s of both (medians of the rounds), the ratio submit / bare against the target (≥ 0.15) and the
   ratio of each round, and checks in the database that every dossier the clients were given exists exactly once
   and is received, that no other dossier appeared, that the codes are unique, that each centre's per-day sequence
   is gap-free (1…n, equal to its counter), and that the bare endpoint's rows match its 201 answers one for one.

Benchmarks are not tests: the script prints, it does not gate CI. Exit status 1 when the integrity check fails.

    .venv/bin/python bench/submit.py                   # full run (~1.5 min)
    .venv/bin/python bench/submit.py --skip-setup      # reuse the prepared database
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from serving import (  # bench/serving.py (the script's own folder is on sys.path)
    call_in_subprocess,
    connect,
    ensure_database,
    free_port,
    manage,
    wait_ready,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_submit"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PROCEDURE_CODE = "1.001193"
TARGET = 0.15
CODE = re.compile(r"^(?P<agency>.+)-(?P<day>\d{6})-(?P<number>\d{4,})$")


# --- Setup --------------------------------------------------------------------------------------------------


def bench_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_ENV": "test",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "BENCH_ENDPOINTS": "1",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        # As in production: a worker keeps its database connection between requests.
        "DB_CONN_MAX_AGE": "600",
        "ADDRESS_CONVERTER_PRELOAD": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(env: dict[str, str]) -> None:
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_communes")


def fixtures_for(env: dict[str, str], *, clients: int, centres: int) -> dict:
    """The procedure, accounts and tokens (created when missing); returns who is who."""
    output = call_in_subprocess(env, "submit", f"create_fixtures(clients={clients}, centres={centres})", capture=True)
    return json.loads(output.strip().splitlines()[-1])


def create_fixtures(*, clients: int, centres: int) -> None:
    """Run inside Django (a subprocess): idempotent; prints one JSON line with the tokens."""
    import datetime
    from decimal import Decimal

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()

    from django.db import connection, transaction
    from endpoints import CREATE_TABLE  # bench/endpoints.py (this script's folder is on sys.path)
    from rest_framework.authtoken.models import Token

    from communes.models import CentreKind, ServiceCentre
    from portal.accounts.models import Membership, StaffRole, User
    from portal.common.text import fold
    from procedures.models import Procedure, ProcedureField, ProcedureVersion, Source

    with transaction.atomic():
        field_row, _ = ProcedureField.objects.get_or_create(
            slug="ho-tich", defaults={"name": "Hộ tịch", "name_folded": "ho tich"}
        )
        procedure, _ = Procedure.objects.get_or_create(code=PROCEDURE_CODE, defaults={"source": Source.NATIONAL_DB})
        name = "Đăng ký khai sinh"
        ProcedureVersion.objects.get_or_create(
            procedure=procedure,
            effective_from=datetime.date(2025, 7, 1),
            defaults={
                "name": name,
                "name_folded": fold(name),
                "field": field_row,
                "level": "commune",
                "time_value": Decimal(3),
                "time_unit": "working_days",
                "working_hours": 24,
                "fee_vnd": 0,
                "channel_online": True,
                "is_applied": True,
            },
        )
        chosen = list(ServiceCentre.objects.filter(kind=CentreKind.COMMUNE).order_by("key")[:centres])
        officers = {}
        for centre in chosen:
            officer, _ = User.objects.get_or_create(
                username=f"bench-reception-{centre.key}", defaults={"full_name": f"Cán bộ tiếp nhận {centre.key}"}
            )
            Membership.objects.get_or_create(user=officer, role=StaffRole.RECEPTION, centre=centre)
            officers[centre.agency_code] = Token.objects.get_or_create(user=officer)[0].key
        citizens = []
        for index in range(clients):
            citizen, _ = User.objects.get_or_create(
                username=f"bench-citizen-{index:03d}",
                defaults={"full_name": f"Công dân {index}", "id_number": f"0251{index:08d}", "phone": "0912345678"},
            )
            citizens.append({"token": Token.objects.get_or_create(user=citizen)[0].key, "id_number": citizen.id_number})
        with connection.cursor() as cursor:
            cursor.execute(CREATE_TABLE)
    print(json.dumps({"officers": officers, "citizens": citizens}))


# --- Serving ------------------------------------------------------------------------------------------------


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    return subprocess.Popen(
        [
            gunicorn,
            "portal.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- Clients ------------------------------------------------------------------------------------------------


class Transient(Exception):
    """The request may not have arrived, or its answer was lost: send it again (same key / ETag)."""


def post(port: int, path: str, body: dict | None, headers: dict[str, str]) -> tuple[int, dict, dict]:
    data = json.dumps(body or {}, ensure_ascii=False).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=data,
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        )
        response = connection.getresponse()
        payload = response.read()
        status = response.status
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
    except (OSError, http.client.HTTPException) as error:
        raise Transient(str(error)) from error
    finally:
        connection.close()
    if status in (502, 503, 504):
        raise Transient(f"{status}")
    return status, (json.loads(payload) if payload else {}), answer_headers


def with_retries(send, attempts: int = 5):
    for attempt in range(attempts):
        try:
            return send()
        except Transient:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass
class Tally:
    done: int = 0
    errors: Counter = field(default_factory=Counter)
    retries: int = 0
    dossiers: list[tuple[int, str]] = field(default_factory=list)  # (id, code) of received dossiers
    keys: list[str] = field(default_factory=list)  # idempotency keys sent
    rows: list[int] = field(default_factory=list)  # ids answered by the bare endpoint
    lock: threading.Lock = field(default_factory=threading.Lock)


def applicant(citizen: dict, number: int) -> dict:
    return {
        "name": f"Nguyễn Văn Bình {number}",
        "id_number": citizen["id_number"],
        "phone": "0912345678",
        "address": "Khu 3, phường Việt Trì",
    }


def submit_one(port: int, citizen: dict, centre: str, officer_token: str, number: int, tally: Tally) -> None:
    key = uuid.uuid4().hex
    with tally.lock:
        tally.keys.append(key)
    body = {"procedure": PROCEDURE_CODE, "applicant": applicant(citizen, number), "reception_centre": centre}
    citizen_headers = {"Authorization": f"Token {citizen['token']}", "Idempotency-Key": key}
    status, filed, headers = with_retries(lambda: post(port, "/api/dossiers/", body, citizen_headers))
    if status not in (200, 201):
        raise RuntimeError(f"file: {status} {filed}")
    officer_headers = {"Authorization": f"Token {officer_token}", "If-Match": headers.get("etag", "")}
    path = f"/api/dossiers/{filed['id']}/receive/"
    status, received, _ = with_retries(lambda: post(port, path, None, officer_headers))
    if status == 409 and received.get("code") == "invalid_transition" and received.get("state") == "received":
        # an earlier attempt was received but its answer lost: read nothing more, the check below counts it
        status, received = 200, {"id": filed["id"], "code": None}
    if status != 200:
        raise RuntimeError(f"receive: {status} {received}")
    with tally.lock:
        tally.done += 1
        tally.dossiers.append((filed["id"], received.get("code")))


def bare_one(port: int, citizen: dict, number: int, tally: Tally) -> None:
    body = {"procedure": PROCEDURE_CODE, "applicant": applicant(citizen, number)}
    status, answer, _ = with_retries(
        lambda: post(port, "/api/_bench/insert/", body, {"Authorization": f"Token {citizen['token']}"})
    )
    if status != 201:
        raise RuntimeError(f"bare: {status} {answer}")
    with tally.lock:
        tally.done += 1
        tally.rows.append(answer["id"])


def run_clients(scenario: str, *, port: int, fixtures: dict, clients: int, duration: float) -> tuple[Tally, float]:
    """``clients`` threads, each repeating the scenario until ``duration`` seconds have passed."""
    tally = Tally()
    officers = list(fixtures["officers"].items())
    start = time.monotonic()
    deadline = start + duration

    def client(index: int) -> None:
        citizen = fixtures["citizens"][index]
        centre, officer_token = officers[index % len(officers)]
        number = 0
        while time.monotonic() < deadline:
            number += 1
            try:
                if scenario == "submit":
                    submit_one(port, citizen, centre, officer_token, number, tally)
                else:
                    bare_one(port, citizen, number, tally)
            except (RuntimeError, Transient) as error:
                with tally.lock:
                    tally.errors[str(error)[:160]] += 1

    threads = [threading.Thread(target=client, args=(index,), daemon=True) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    return tally, time.monotonic() - start


# --- Integrity ----------------------------------------------------------------------------------------------


def check_integrity(database_url: str, tallies: list[Tally], started_at: float) -> tuple[list[str], dict[str, int]]:
    """Problems found (none: everything adds up), and what was counted."""
    problems: list[str] = []
    given = [dossier_id for tally in tallies for dossier_id, _code in tally.dossiers]
    keys = [key for tally in tallies for key in tally.keys]
    rows = [row for tally in tallies for row in tally.rows]
    connection = connect(database_url)
    with connection, connection.cursor() as cursor:
        if len(set(given)) != len(given):
            problems.append(f"{len(given) - len(set(given))} dossier ids were handed out twice")
        cursor.execute(
            "SELECT d.id, d.state, d.code FROM dossiers_dossier d JOIN accounts_user u ON u.id = d.filed_by_id "
            "WHERE u.username LIKE 'bench-citizen-%%' AND d.filed_at >= to_timestamp(%s)",
            [started_at],
        )
        found = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
        missing = set(given) - set(found)
        extra = set(found) - set(given)
        not_received = [pk for pk in given if pk in found and found[pk][0] != "received"]
        if missing:
            problems.append(f"{len(missing)} dossiers answered to the clients are not in the database")
        if extra:
            problems.append(f"{len(extra)} dossiers in the database were never answered to a client (lost answers?)")
        if not_received:
            problems.append(f"{len(not_received)} dossiers are not in state received")
        cursor.execute(
            "SELECT count(*), count(DISTINCT k.dossier_id) FROM dossiers_idempotencykey k WHERE k.key = ANY(%s)",
            [keys],
        )
        key_rows, key_dossiers = cursor.fetchone()
        if key_rows != key_dossiers:
            problems.append(f"idempotency keys: {key_rows} rows for {key_dossiers} dossiers")
        if key_dossiers < len(given):
            problems.append(f"only {key_dossiers} of {len(given)} dossiers carry the key they were filed with")
        # codes: unique, and per reception centre and day numbered 1…n without a gap, n = the day's counter
        cursor.execute("SELECT count(code), count(DISTINCT code) FROM dossiers_dossier WHERE code IS NOT NULL")
        codes, distinct = cursor.fetchone()
        if codes != distinct:
            problems.append(f"{codes - distinct} duplicated dossier codes")
        cursor.execute(
            "SELECT d.reception_centre_id, (d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, d.code "
            "FROM dossiers_dossier d WHERE d.code IS NOT NULL AND d.id = ANY(%s)",
            [given],
        )
        days = {(centre, day) for centre, day, _code in cursor.fetchall()}
        for centre, day in sorted(days):
            cursor.execute(
                "SELECT code FROM dossiers_dossier WHERE reception_centre_id = %s "
                "AND (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date = %s AND code IS NOT NULL",
                [centre, day],
            )
            numbers = sorted(int(CODE.match(code)["number"]) for (code,) in cursor.fetchall())
            cursor.execute("SELECT last FROM dossiers_dailysequence WHERE centre_id = %s AND day = %s", [centre, day])
            counter = cursor.fetchone()
            if numbers != list(range(1, len(numbers) + 1)) or counter is None or counter[0] != len(numbers):
                problems.append(
                    f"centre {centre} on {day}: sequence not gap-free ({len(numbers)} codes, counter "
                    f"{counter[0] if counter else None})"
                )
        if len(set(rows)) != len(rows):
            problems.append("the bare endpoint answered the same id twice")
        cursor.execute("SELECT count(*) FROM bench_insert WHERE id = ANY(%s)", [rows])
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM bench_insert WHERE created_at >= to_timestamp(%s)", [started_at])
        (since,) = cursor.fetchone()
        if stored != len(rows) or since != len(rows):
            problems.append(f"bare endpoint: {len(rows)} answers, {stored} of them stored, {since} rows written")
    connection.close()
    return problems, {"dossiers": len(given), "centre_days": len(days), "rows": len(rows)}


# --- Main ---------------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--clients", type=int, default=24, help="concurrent clients (default 24)")
    parser.add_argument("--centres", type=int, default=4, help="reception centres the clients file at (default 4)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per scenario and round (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each scenario in turn; medians (default 3)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per scenario (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--skip-setup", action="store_true", help="the database is prepared (migrate only)")
    parser.add_argument("--recreate", action="store_true", help="drop the benchmark database first")
    args = parser.parse_args()
    if not urllib.parse.urlsplit(args.database_url).scheme.startswith("postgres"):
        sys.exit("the benchmark runs against PostgreSQL: set BENCH_DATABASE_URL=postgres://…")
    if not 1 <= args.clients <= 256 or not 0 < args.duration <= 300 or not 1 <= args.rounds <= 10:
        sys.exit("keep it bounded: 1–256 clients, at most 300 s per scenario, 1–10 rounds")

    env = bench_env(args.database_url, args.redis_url)
    if not args.skip_setup:
        ensure_database(args.database_url, recreate=args.recreate)
        prepare(env)
    else:  # the code may have new migrations since the database was prepared
        manage(env, "migrate", "--no-input", "-v", "0")
    fixtures = fixtures_for(env, clients=args.clients, centres=args.centres)

    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    started_at = time.time()
    load_before = os.getloadavg()
    rates: dict[str, list[float]] = {"bare": [], "submit": []}
    tallies: dict[str, list[Tally]] = {"bare": [], "submit": []}
    cpu: dict[str, float] = {"bare": 0.0, "submit": 0.0}
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", server)
        run = {"port": port, "fixtures": fixtures, "clients": args.clients}
        for scenario in ("bare", "submit"):
            if args.warmup:
                tallies[scenario].append(run_clients(scenario, duration=args.warmup, **run)[0])
        for _round in range(args.rounds):
            for scenario in ("bare", "submit"):
                before = time.process_time()
                tally, elapsed = run_clients(scenario, duration=args.duration, **run)
                cpu[scenario] += time.process_time() - before
                tallies[scenario].append(tally)
                rates[scenario].append(tally.done / elapsed)
                errors = sum(tally.errors.values())
                print(
                    f"  {scenario:<7} {tally.done / elapsed:8.1f} dossiers/s  ({tally.done} in {elapsed:.1f} s"
                    f"{f', {errors} errors' if errors else ''})"
                )
    finally:
        stop(server)
    load_after = os.getloadavg()

    problems, counted = check_integrity(args.database_url, tallies["bare"] + tallies["submit"], started_at)
    errors = Counter()
    for tally in tallies["bare"] + tallies["submit"]:
        errors.update(tally.errors)

    bare, submit = median(rates["bare"]), median(rates["submit"])
    ratio = submit / bare if bare else 0.0
    print()
    print(
        f"gunicorn {args.workers} sync workers, PostgreSQL; {args.clients} concurrent clients (threads), "
        f"{args.centres} reception centres; {args.rounds} round(s) × {args.duration:g} s per scenario, medians; "
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"client CPU {cpu['bare']:.1f} s (bare) / {cpu['submit']:.1f} s (submit)"
    )
    print(f"{'scenario':<52}{'dossiers/s':>11}")
    print(f"{'bare DRF endpoint, one INSERT':<52}{bare:>11.1f}")
    print(f"{'file (citizen) + receive (reception officer), 2 POSTs':<52}{submit:>11.1f}")
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"ratio submit / bare: {ratio:.3f} (target ≥ {TARGET:.2f}: {verdict})")
    rounds = [submit_rate / bare_rate for bare_rate, submit_rate in zip(rates["bare"], rates["submit"], strict=True)]
    print(f"ratio per round (bare and submit back to back): {', '.join(f'{value:.3f}' for value in rounds)}")
    if errors:
        print("errors:")
        for message, count in errors.most_common(10):
            print(f"  {count} × {message}")
    print(
        f"integrity: {counted['dossiers']} dossiers filed and received, {counted['centre_days']} centre-day "
        f"sequence(s), {counted['rows']} bare rows — "
        + (
            "OK: none lost, none duplicated, every one received, codes unique, sequences gap-free"
            if not problems
            else "FAILED"
        )
    )
    for problem in problems:
        print(f"  ✗ {problem}")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
