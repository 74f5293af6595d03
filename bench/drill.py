"""The fault drill: the `make up` topology under a mixed load, while one thing after another is killed.

All on loopback, bounded in time (about ``--warm-up`` + 4 × (fault + ``--settle``) + the drain: ~4 minutes), and it
stops by itself. It needs root (it restarts PostgreSQL and Redis): **never run it where others use those services.**

1. **Topology**: ``deploy/up`` (``make up``) unless it is already up — nginx on ``UP_PORT`` (8080) in front of two
   gunicorn instances (web1, web2), two Celery workers, beat, against the local PostgreSQL (database ``portal_up``)
   and Redis (db 3). What the drill started, it stops at the end (``--keep-up`` leaves it).
2. **Load** (``--clients`` threads, each its own connection per request, timeout 10 s — a hung connection counts as a
   failure): citizens searching the catalogue (new queries, not only popular ones) and filing dossiers
   (``POST /api/dossiers/`` with an ``Idempotency-Key``, sent again with the same key after a failure, as a real
   client would), clerks receiving and transferring them (``If-Match``) and reading their lists, the province
   office reading the dashboard, and one client doing public lookups (the lookup is rate-limited per address).
3. **Faults**, one after another, each followed by ``--settle`` seconds of load:
   * ``gunicorn``: SIGKILL to web1's master and its workers at once; nginx must route around it; deploy/keep
     starts it again;
   * ``worker``: SIGKILL to worker1 (main process and pool) while its pool process is running a task (the drill
     queues ``stats.rebuild`` and waits until the pool process is busy); the task is redone;
   * ``redis``: Redis shut down and started again (it keeps nothing on disk: queued messages are gone; the outbox
     re-dispatcher brings every pending notification back);
   * ``postgres``: ``pg_ctlcluster … restart``.
4. **Table**, per fault: requests during the fault window, failed requests (5xx, a broken or hung connection), how
   many of those were a clean 503 JSON with ``Retry-After``, and the seconds until the system served normally again
   (from the fault to the first success after the last failure; and until the killed process answered again).
5. **Integrity**, after the load stopped and the outbox drained (at most ``--drain`` seconds): ``manage.py
   check_integrity`` (``dossiers.selectors.integrity``, the checks a restored backup is put through) with the
   dossiers clients were told were created and the SMS sink (``var/up/sms.jsonl``) — each told dossier exists exactly
   once; codes unique and each centre's sequence per day 1…n with n = its counter; every outbox row sent and in the
   sink exactly once, nothing pending; every audit trail chains from the creation to the present state — then what
   only the drill knows: no dossier appeared that no client was told of, and each idempotency key maps to exactly
   one dossier. Exit status 1 when a check fails or the target is missed.

Target (issue 15): nothing lost or duplicated; failed requests only while PostgreSQL itself is down, each a clean
503 JSON with Retry-After; recovery under 10 s after each fault.

    make up && .venv/bin/python bench/drill.py            # ~4 min
    .venv/bin/python bench/drill.py --faults gunicorn,redis --settle 10
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from serving import call_in_subprocess, connect  # bench/serving.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
UP_DIR = Path(os.environ.get("UP_DIR", ROOT / "var" / "up"))
PROCEDURE_CODE = "1.001193"
FAULTS = ("gunicorn", "worker", "redis", "postgres")
TIMEOUT = 10.0
WORDS = (
    "dang ky khai sinh ket hon khai tu chung thuc ban sao giay phep xay dung dat dai ho kinh doanh trich luc "
    "ho tich xac nhan tinh trang hon nhan cap doi lai xe tro cap xa hoi nuoi con nuoi giam ho thanh lap "
    "doanh nghiep dien luc nuoc sach moi truong khoang san thue phi le phi"
).split()


# --- The topology -------------------------------------------------------------------------------------------------


def up_env() -> dict[str, str]:
    values = {}
    for line in (UP_DIR / "env").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def is_up() -> bool:
    pidfile = UP_DIR / "honcho.pid"
    if not pidfile.exists():
        return False
    try:
        os.kill(int(pidfile.read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def pid_of(name: str) -> int:
    """The pid deploy/keep wrote for ``name`` (0 while there is none)."""
    try:
        return int((UP_DIR / "pids" / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return 0


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def django_env(env: dict[str, str]) -> dict[str, str]:
    """The topology's settings for a one-off manage.py-like call (not counted in the servers' metrics)."""
    merged = {**os.environ, **env}
    merged.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return merged


def office_token() -> None:
    """Inside Django: the province office's and the demo citizens' API tokens, one JSON line."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from rest_framework.authtoken.models import Token

    from portal.accounts.models import User
    from procedures.selectors import procedure_version_in_force

    office = User.objects.get(username="demo-vanphong-tinh")
    version = procedure_version_in_force(code=PROCEDURE_CODE)
    required = [component.pk for component in version.components.all() if component.is_required]
    print(json.dumps({"office": Token.objects.get_or_create(user=office)[0].key, "components": required}))


# --- Requests ------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    at: float
    kind: str
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float
    clean: bool  # a failure that is a 503 JSON with Retry-After
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500


@dataclass
class Journal:
    outcomes: list[Outcome] = field(default_factory=list)
    created: dict[int, str] = field(default_factory=dict)  # dossier id -> idempotency key, as told to the client
    keys: list[str] = field(default_factory=list)
    received: list[tuple[int, str]] = field(default_factory=list)  # (id, code)
    refused: Counter = field(default_factory=Counter)  # answers that were not a failure but not what we wanted
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def tiny_pdf() -> bytes:
    """A real one-page PDF, as a scanned document (pypdf)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def send(port: int, method: str, path: str, *, kind: str, journal: Journal, headers=None, body=None, raw=None):
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    content_type = "application/json"
    if raw is not None:
        data, content_type = raw
    began = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    status, answer, payload = 0, {}, b""
    detail = ""
    try:
        connection.request(
            method,
            path,
            body=data,
            headers={"Accept": "application/json", "Content-Type": content_type, **(headers or {})},
        )
        response = connection.getresponse()
        payload = response.read()
        status = response.status
        answer = {name.lower(): value for name, value in response.getheaders()}
    except (OSError, http.client.HTTPException) as error:
        detail = type(error).__name__
    finally:
        connection.close()
    seconds = time.monotonic() - began
    clean = False
    parsed: dict = {}
    if payload and answer.get("content-type", "").startswith("application/json"):
        try:
            parsed = json.loads(payload)
        except ValueError:
            parsed = {}
    if status >= 500 or status == 0:
        clean = status == 503 and bool(parsed.get("code")) and answer.get("retry-after", "").isdigit()
        detail = detail or f"{status} {parsed.get('code') or answer.get('content-type', '')}"
    journal.add(Outcome(time.monotonic(), kind, status, seconds, clean, detail))
    return status, answer, parsed


class Load:
    def __init__(self, port: int, fixtures: dict, journal: Journal, seed: int):
        self.port = port
        self.fixtures = fixtures
        self.journal = journal
        self.stop = threading.Event()
        self.random = random.Random(seed)
        self.officers = list(fixtures["officers"].items())
        self.pdf = tiny_pdf()

    def query(self, rnd: random.Random) -> str:
        start = rnd.randrange(len(WORDS) - 3)
        return " ".join(WORDS[start : start + rnd.randint(1, 3)])

    def citizen(self, index: int) -> None:
        rnd = random.Random(index)
        citizen = self.fixtures["citizens"][index]
        centre, officer_token = self.officers[index % len(self.officers)]
        number = 0
        while not self.stop.is_set():
            choice = rnd.random()
            if choice < 0.35:
                send(
                    self.port,
                    "GET",
                    "/api/procedures/?" + urlencode({"q": self.query(rnd)}),
                    kind="search",
                    journal=self.journal,
                )
            elif choice < 0.55:
                number += 1
                self.file_and_receive(citizen, centre, officer_token, number)
            elif choice < 0.75:
                send(
                    self.port,
                    "GET",
                    "/api/dossiers/?state=received",
                    kind="desk",
                    journal=self.journal,
                    headers={"Authorization": f"Token {officer_token}"},
                )
            else:
                send(
                    self.port,
                    "GET",
                    "/api/stats/summary/?period=month",
                    kind="dashboard",
                    journal=self.journal,
                    headers={"Authorization": f"Token {self.fixtures['office']}"},
                )

    def retrying(self, call):
        """Send until answered without a failure (a real client: after Retry-After, or a short pause)."""
        while not self.stop.is_set():
            status, headers, body = call()
            if status and status < 500:
                return status, headers, body
            wait = float(headers.get("retry-after", "0") or 0) if status == 503 else 0.3
            self.stop.wait(min(max(wait, 0.3), 2.0))
        return 0, {}, {}

    def read_dossier(self, pk: int, officer_token: str):
        """The dossier as it is now, as the officer sees it (after an answer was lost, or a newer step was taken)."""
        headers = {"Authorization": f"Token {officer_token}"}
        return self.retrying(
            lambda: send(self.port, "GET", f"/api/dossiers/{pk}/", kind="desk", journal=self.journal, headers=headers)
        )

    def file_and_receive(self, citizen: dict, centre: str, officer_token: str, number: int) -> None:
        key = uuid.uuid4().hex
        with self.journal.lock:
            self.journal.keys.append(key)
        applicant = {
            "name": f"Nguyễn Thị Drill {number}",
            "id_number": citizen["id_number"],
            "phone": "0912345678",
            "address": "Khu 3, phường Việt Trì",
        }
        # one scanned PDF per required component, as the online filing form sends them
        fields = [("procedure", PROCEDURE_CODE), ("reception_centre", centre), ("applicant", json.dumps(applicant))]
        fields += [("components", str(component)) for component in self.fixtures["components"]]
        files = [("documents", f"thanh-phan-{i}.pdf", self.pdf) for i in range(len(self.fixtures["components"]))]
        raw = multipart(fields, files)
        headers = {"Authorization": f"Token {citizen['token']}", "Idempotency-Key": key}
        status, answer, filed = self.retrying(
            lambda: send(
                self.port, "POST", "/api/dossiers/", kind="file", journal=self.journal, headers=headers, raw=raw
            )
        )
        if status not in (200, 201):
            with self.journal.lock:
                self.journal.refused[f"file {status} {filed.get('code')}"] += 1
            return
        with self.journal.lock:
            self.journal.created[filed["id"]] = key
        officer = {"Authorization": f"Token {officer_token}", "If-Match": answer.get("etag", "")}
        path = f"/api/dossiers/{filed['id']}/receive/"
        status, answer, received = self.retrying(
            lambda: send(self.port, "POST", path, kind="receive", journal=self.journal, headers=officer)
        )
        if status == 409 and received.get("state") == "received":
            # an earlier attempt went through but its answer was lost: read the dossier as it is now
            status, answer, received = self.read_dossier(filed["id"], officer_token)
        if status != 200:
            if self.stop.is_set() and status == 0:
                return
            with self.journal.lock:
                self.journal.refused[f"receive {status} {received.get('code')}"] += 1
            return
        with self.journal.lock:
            self.journal.received.append((filed["id"], received.get("code") or ""))
        officer = {"Authorization": f"Token {officer_token}", "If-Match": answer.get("etag", "")}
        path = f"/api/dossiers/{filed['id']}/transfer/"
        status, _answer, transferred = self.retrying(
            lambda: send(self.port, "POST", path, kind="transfer", journal=self.journal, headers=officer)
        )
        if status == 409 and transferred.get("code") == "stale_version":
            # something else moved the dossier on since the answer we hold (a clerk would reload the page)
            status, answer, current = self.read_dossier(filed["id"], officer_token)
            if status == 200 and current.get("state") == "received":
                officer = {"Authorization": f"Token {officer_token}", "If-Match": answer.get("etag", "")}
                status, _answer, transferred = self.retrying(
                    lambda: send(self.port, "POST", path, kind="transfer", journal=self.journal, headers=officer)
                )
        if self.stop.is_set() and status == 0:
            return
        if status != 200 and not (status == 409 and transferred.get("state") == "transferred"):
            with self.journal.lock:
                self.journal.refused[f"transfer {status} {transferred.get('code')}"] += 1

    def lookups(self) -> None:
        while not self.stop.wait(4.0):
            with self.journal.lock:
                known = list(self.journal.received[-20:])
            if not known:
                continue
            _dossier_id, code = known[-1]
            citizen = self.fixtures["citizens"][0]
            if not code:
                continue
            query = urlencode({"code": code, "id_number": citizen["id_number"]})
            send(self.port, "GET", f"/api/lookup/?{query}", kind="lookup", journal=self.journal)

    def start(self, clients: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.citizen, args=(index,), daemon=True) for index in range(clients)]
        threads.append(threading.Thread(target=self.lookups, daemon=True))
        for thread in threads:
            thread.start()
        return threads


# --- Faults --------------------------------------------------------------------------------------------------------


def wait_until(check, limit: float) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if check():
            return time.monotonic() - began
        time.sleep(0.1)
    return None


def answers(port: int, path: str = "/healthz") -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", path)
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False


def kill_gunicorn(env: dict[str, str]) -> dict:
    master = pid_of("web1")
    victims = [master, *children_of(master)]
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    began = time.monotonic()
    port = int(env["WEB1_PORT"])
    # deploy/keep starts a new master; it answers once its workers have loaded the application
    back = wait_until(lambda: pid_of("web1") not in (0, master) and answers(port), 60)
    return {
        "killed": f"web1 master + {len(victims) - 1} workers",
        "process back after s": None if back is None else round(back, 1),
        "began": began,
    }


def kill_worker(env: dict[str, str]) -> dict:
    main = pid_of("worker1")
    # queue work, and wait until worker1's pool process is running a task (its CPU time moves)
    celery = str(ROOT / ".venv" / "bin" / "celery")
    for _ in range(4):
        subprocess.run(
            [celery, "-A", "portal", "call", "stats.rebuild"],
            cwd=ROOT,
            env=django_env(env),
            check=True,
            capture_output=True,
        )
    busy = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not busy:
        pool = children_of(main)
        before = {pid: cpu_ticks(pid) for pid in pool}
        time.sleep(0.1)
        busy = any(cpu_ticks(pid) - ticks >= 2 for pid, ticks in before.items() if Path(f"/proc/{pid}").exists())
    victims = [main, *children_of(main)]
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    began = time.monotonic()
    back = wait_until(lambda: pid_of("worker1") not in (0, main), 30)
    ping = None
    if back is not None:
        ping = wait_until(
            lambda: (
                subprocess.run(
                    [celery, "-A", "portal", "inspect", "ping", "-d", f"worker1@{os.uname().nodename}", "-t", "1"],
                    cwd=ROOT,
                    env=django_env(env),
                    capture_output=True,
                ).returncode
                == 0
            ),
            60,
        )
    return {
        "killed": f"worker1 main + {len(victims) - 1} pool process(es), mid-task: {'yes' if busy else 'NO'}",
        "process back after s": None if ping is None else round(time.monotonic() - began, 1),
        "began": began,
    }


def restart_redis(env: dict[str, str]) -> dict:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    began = time.monotonic()
    wait_until(lambda: subprocess.run(["redis-cli", "ping"], capture_output=True).returncode != 0, 10)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        capture_output=True,
    )
    back = wait_until(
        lambda: subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip() == "PONG", 30
    )
    return {
        "killed": "redis-server shut down, started again (empty)",
        "process back after s": None if back is None else round(time.monotonic() - began, 1),
        "began": began,
    }


def restart_postgres(env: dict[str, str]) -> dict:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    began = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )
    back = wait_until(
        lambda: subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], capture_output=True).returncode == 0, 60
    )
    return {
        "killed": f"PostgreSQL {version} restarted (fast)",
        "process back after s": None if back is None else round(time.monotonic() - began, 1),
        "began": began,
    }


INJECT = {"gunicorn": kill_gunicorn, "worker": kill_worker, "redis": restart_redis, "postgres": restart_postgres}


# --- Integrity -----------------------------------------------------------------------------------------------------


def drained(database_url: str) -> bool:
    connection = connect(database_url)
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM notifications_notification WHERE status = 'pending'")
        (pending,) = cursor.fetchone()
    connection.close()
    return pending == 0


def integrity(env: dict[str, str], journal: Journal, started_wall: float) -> tuple[list[str], dict]:
    """The checks of ``manage.py check_integrity`` (``dossiers.selectors.integrity``: the dossiers told created,
    codes, outbox with the SMS sink, audit trails), then what only the drill knows: no dossier appeared that no
    client was told of, and each idempotency key maps to its one dossier."""
    problems: list[str] = []
    created = UP_DIR / "drill-created.txt"
    created.write_text("".join(f"{pk}\n" for pk in journal.created), encoding="utf-8")
    since = datetime.datetime.fromtimestamp(started_wall, datetime.UTC).isoformat()
    completed = subprocess.run(
        [
            *(sys.executable, "manage.py", "check_integrity", "--json", "--created", str(created)),
            *("--outbox-since", since, "--sms-sink", str(UP_DIR / "sms.jsonl"), "--outbox-grace", "0"),
        ],
        cwd=ROOT,
        env=django_env(env),
        capture_output=True,
        text=True,
    )
    try:
        checks = {check["name"]: check for check in json.loads(completed.stdout)["checks"]}
    except (ValueError, KeyError):
        return [f"check_integrity did not report (exit {completed.returncode}): {completed.stderr[-500:]}"], {}
    for check in checks.values():
        for kind, count in check["violations"].items():
            problems.append(f"{check['name']}: {count} {kind} (" + "; ".join(check["examples"][kind][:3]) + ")")

    given = dict(journal.created)
    connection = connect(env["DATABASE_URL"])
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.state FROM dossiers_dossier d JOIN accounts_user u ON u.id = d.filed_by_id "
            "WHERE u.username LIKE 'bench-citizen-%%' AND d.filed_at >= to_timestamp(%s)",
            [started_wall],
        )
        found = dict(cursor.fetchall())
        cursor.execute(
            "SELECT key, count(*), count(DISTINCT dossier_id) FROM dossiers_idempotencykey WHERE key = ANY(%s) "
            "GROUP BY key",
            [journal.keys],
        )
        by_key = {key: (rows, dossiers) for key, rows, dossiers in cursor.fetchall()}
    connection.close()
    extra = set(found) - set(given)
    if extra:
        # a filing whose every answer was lost (the client gave up at the end): counted, not hidden
        problems.append(f"{len(extra)} dossiers exist that no client was told about")
    twice = [key for key, (rows, dossiers) in by_key.items() if rows != 1 or dossiers != 1]
    if twice:
        problems.append(f"{len(twice)} idempotency keys map to more than one dossier")
    unkeyed = [pk for pk, key in given.items() if key not in by_key]
    if unkeyed:
        problems.append(f"{len(unkeyed)} created dossiers do not carry the key they were filed with")
    outbox = checks.get("outbox", {"notes": {}, "checked": 0})
    counted = {
        "dossiers told created": len(given),
        "received": sum(1 for state in found.values() if state != "filed"),
        "codes checked": checks.get("codes", {}).get("checked", 0),
        "centre-days": checks.get("codes", {}).get("notes", {}).get("centre_days", 0),
        "trails checked": checks.get("audit", {}).get("checked", 0),
        "notifications": outbox["checked"],
        "SMS delivered": outbox["notes"].get("sms_received", 0),
        "SMS resends dropped by key": outbox["notes"].get("sms_resends_dropped", 0),
    }
    return problems, counted


# --- Main ----------------------------------------------------------------------------------------------------------


def window_report(journal: Journal, name: str, began: float, ended: float, info: dict) -> dict:
    inside = [o for o in journal.outcomes if began - 0.5 <= o.at <= ended]
    failed = [o for o in inside if o.failed]
    after = [o for o in inside if o.at >= began]
    last_failure = max((o.at for o in failed), default=None)
    if last_failure is None:
        recovered = 0.0
    else:
        firsts = [o.at for o in after if o.at > last_failure and not o.failed]
        recovered = (min(firsts) - began) if firsts else None
    slow = sorted(o.seconds for o in inside)
    return {
        "fault": name,
        "requests": len(inside),
        "failed": len(failed),
        "clean 503": sum(1 for o in failed if o.clean),
        "failures": Counter(f"{o.kind}:{o.detail}" for o in failed).most_common(4),
        "served normally after s": None if recovered is None else round(recovered, 1),
        "process back after s": info.get("process back after s"),
        "p99 s": round(slow[int(len(slow) * 0.99) - 1], 2) if slow else None,
        "what": info["killed"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warm-up", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=20.0, help="seconds of load after each fault")
    parser.add_argument("--drain", type=float, default=180.0, help="at most this long for the outbox to empty")
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--keep-up", action="store_true", help="leave the topology running at the end")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    faults = [name for name in args.faults.split(",") if name]
    unknown = set(faults) - set(FAULTS)
    if unknown:
        sys.exit(f"unknown faults: {', '.join(sorted(unknown))} (known: {', '.join(FAULTS)})")
    if os.geteuid() != 0 and {"redis", "postgres"} & set(faults):
        sys.exit("restarting PostgreSQL and Redis needs root")

    started_here = not is_up()
    if started_here:
        subprocess.run(["bash", "deploy/up"], cwd=ROOT, check=True)
    env = up_env()
    port = int(os.environ.get("UP_PORT", "8080"))
    try:
        fixtures = json.loads(
            call_in_subprocess(
                django_env(env), "submit", f"create_fixtures(clients={args.clients}, centres=2)", capture=True
            )
            .strip()
            .splitlines()[-1]
        )
        fixtures.update(
            json.loads(
                call_in_subprocess(django_env(env), "drill", "office_token()", capture=True).strip().splitlines()[-1]
            )
        )
        journal = Journal()
        started_wall = time.time() - 1
        load = Load(port, fixtures, journal, args.seed)
        threads = load.start(args.clients)
        print(f"load: {args.clients} clients + 1 lookup client against http://127.0.0.1:{port}/; warming up")
        time.sleep(args.warm_up)
        warm = window_report(
            journal, "none (warm-up)", time.monotonic() - args.warm_up, time.monotonic(), {"killed": "-"}
        )
        reports = [warm]
        for name in faults:
            print(f"fault: {name}")
            info = INJECT[name](env)
            time.sleep(args.settle)
            reports.append(window_report(journal, name, info["began"], time.monotonic(), info))
        load.stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT + 5)
        print(f"load stopped; waiting for the outbox to drain (at most {args.drain:.0f} s)")
        drain = wait_until(lambda: drained(env["DATABASE_URL"]), args.drain)
        problems, counted = integrity(env, journal, started_wall)
    finally:
        if started_here and not args.keep_up:
            subprocess.run(["bash", "deploy/down"], cwd=ROOT)

    total = journal.outcomes
    print()
    print(
        f"{'fault':<16}{'requests':>9}{'failed':>8}{'clean 503':>10}{'normal after s':>16}{'process back s':>16}"
        f"{'p99 s':>8}"
    )
    for row in reports:
        print(
            f"{row['fault']:<16}{row['requests']:>9}{row['failed']:>8}{row['clean 503']:>10}"
            f"{row['served normally after s'] if row['served normally after s'] is not None else 'never':>16}"
            f"{row['process back after s'] if row['process back after s'] is not None else '-':>16}"
            f"{row['p99 s'] if row['p99 s'] is not None else '-':>8}"
        )
    for row in reports[1:]:
        print(f"  {row['fault']}: {row['what']}; failures {row['failures'] or 'none'}")
    by_kind = Counter(o.kind for o in total)
    print(
        f"\nrequests in all: {len(total)} ({', '.join(f'{k} {v}' for k, v in sorted(by_kind.items()))}); "
        f"failed {sum(o.failed for o in total)}; outbox drained in "
        f"{f'{drain:.0f} s' if drain is not None else 'NOT within the limit'}"
    )
    print("counted: " + ", ".join(f"{k} {v}" for k, v in counted.items()))
    if journal.refused:
        print("answered but refused (4xx): " + ", ".join(f"{k} ×{v}" for k, v in journal.refused.most_common(6)))
    missed = []
    for row in reports[1:]:
        if row["failed"] and row["fault"] != "postgres":
            missed.append(f"{row['fault']}: {row['failed']} failed requests (only PostgreSQL's restart may fail any)")
        if row["failed"] != row["clean 503"]:
            missed.append(f"{row['fault']}: {row['failed'] - row['clean 503']} failures were not a clean 503")
        recovered = row["served normally after s"]
        if recovered is None or recovered >= 10:
            missed.append(f"{row['fault']}: not serving normally within 10 s")
    if warm["failed"]:
        missed.append(f"{warm['failed']} failures before any fault")
    print("integrity: " + ("every check passed" if not problems else "; ".join(problems)))
    print("target: " + ("met" if not missed else "MISSED — " + "; ".join(missed)))
    sys.exit(1 if problems or missed else 0)


if __name__ == "__main__":
    main()
