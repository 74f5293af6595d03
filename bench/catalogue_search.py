"""Catalogue search under load, against a bare DRF endpoint, in one run.

What it does, all on loopback, bounded in time, stopping by itself:

1. prepares a PostgreSQL database (``BENCH_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/portal_bench``;
   created when missing): ``migrate``, ``load_communes``, ``load_catalogue`` (the shipped 2,217-procedure
   catalogue). ``--synthetic`` instead generates 2,217 deterministic procedures with Vietnamese names — only for
   working on the search before the catalogue exists; the numbers to report come from ``load_catalogue``;
2. serves the portal with gunicorn, 2 sync workers, ``DEBUG=0``, persistent database connections;
3. drives, with wrk (``apt-get install -y wrk``), at 32 connections for ``--duration`` seconds each:
   ``/api/_bench/baseline/`` (one ``SELECT 1`` through the same middleware and DRF stack), ``/api/procedures/?q=…``
   rotating through 21 popular queries typed without diacritics, and the long tail: 30,000 distinct queries drawn
   from the catalogue's names, each asked once;
4. prints requests/s, p50 and p99 of each, the ratio search / baseline and the targets.

Targets, at 32 connections: popular queries (answered from the response cache after their first request) ≥ 0.5 ×
baseline with p99 < 50 ms; the long tail (30,000 distinct queries, each asked once: every request a cache miss) ≥ 0.3
× baseline with p99 < 100 ms — a citizen typing on a phone sees results as they type, whatever they type, while the
search stays cheap next to the rest of the API. Benchmarks are not tests: the script prints, it does not gate CI.

    .venv/bin/python bench/catalogue_search.py                 # full run (~3 minutes)
    .venv/bin/python bench/catalogue_search.py --duration 30   # longer runs
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from serving import (  # bench/serving.py (the script's own folder is on sys.path)
    call_in_subprocess,
    ensure_database,
    free_port,
    manage,
    wait_ready,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
CATALOGUE_SIZE = 2217

# What citizens type: no diacritics, lower case, sometimes a fragment.
QUERIES = [
    "dang ky khai sinh",
    "chung thuc ban sao",
    "cap giay phep xay dung",
    "dang ky ket hon",
    "le phi truoc ba",
    "dang ky khai tu",
    "trich luc ho tich",
    "xac nhan tinh trang hon nhan",
    "chung thuc chu ky",
    "cap giay chung nhan quyen su dung dat",
    "dang ky ho kinh doanh",
    "thanh lap doanh nghiep",
    "cap ban sao trich luc ho tich",
    "dang ky nhan cha me con",
    "giay phep kinh doanh ruou",
    "dang ky giam ho",
    "cap doi giay phep lai xe",
    "tro cap xa hoi",
    "cong nhan",
    "giay phep",
    "dat dai",
]


# --- Setup --------------------------------------------------------------------------------------------------


def bench_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_ENV": "test",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # As in production: a worker keeps its database connection between requests.
        "DB_CONN_MAX_AGE": "600",
        "ADDRESS_CONVERTER_PRELOAD": "0",
        "BENCH_ENDPOINTS": "1",  # the baseline endpoint (bench/endpoints.py)
        "PYTHONUNBUFFERED": "1",
    }


def analyze(database_url: str) -> None:
    """Fresh planner statistics, as autovacuum would have them on a database in service."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def prepare(env: dict[str, str], *, synthetic: bool) -> None:
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_communes")
    if synthetic:
        call_in_subprocess(env, "catalogue_search", "load_synthetic()")
        return
    commands = subprocess.run(
        [sys.executable, "manage.py", "help", "--commands"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if "load_catalogue" not in commands:
        sys.exit("manage.py load_catalogue is not available; run with --synthetic to work on the search without it")
    manage(env, "load_catalogue")


def load_synthetic() -> None:
    """2,217 deterministic procedures with realistic Vietnamese names (development only; see --synthetic)."""
    import datetime

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()

    from django.db import transaction

    from communes.models import ProcessingUnit, ProcessingUnitKind
    from portal.common.text import fold
    from procedures.models import AnnouncingDecision, Procedure, ProcedureField, ProcedureVersion, Source

    if Procedure.objects.filter(code__startswith="9.").count() >= CATALOGUE_SIZE:
        print("synthetic catalogue already loaded")
        return
    fields = [
        "Hộ tịch",
        "Chứng thực",
        "Đất đai",
        "Xây dựng",
        "Đăng ký kinh doanh",
        "Lao động",
        "Giáo dục và Đào tạo",
        "Y tế",
        "Bảo trợ xã hội",
        "Văn hóa",
        "Giao thông vận tải",
        "Tài nguyên nước",
        "Lý lịch tư pháp",
        "Thuế",
        "Công Thương",
        "Nông nghiệp",
    ]
    objects = [
        ("Hộ tịch", "khai sinh"),
        ("Hộ tịch", "kết hôn"),
        ("Hộ tịch", "khai tử"),
        ("Hộ tịch", "giám hộ"),
        ("Hộ tịch", "nhận cha, mẹ, con"),
        ("Hộ tịch", "thay đổi, cải chính, bổ sung thông tin hộ tịch"),
        ("Chứng thực", "bản sao từ bản chính giấy tờ, văn bản"),
        ("Chứng thực", "chữ ký trong các giấy tờ, văn bản"),
        ("Chứng thực", "hợp đồng, giao dịch liên quan đến tài sản là động sản"),
        ("Đất đai", "giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất"),
        ("Đất đai", "chuyển mục đích sử dụng đất"),
        ("Xây dựng", "giấy phép xây dựng đối với công trình cấp III, cấp IV"),
        ("Xây dựng", "giấy phép xây dựng nhà ở riêng lẻ"),
        ("Đăng ký kinh doanh", "hộ kinh doanh"),
        ("Đăng ký kinh doanh", "thành lập doanh nghiệp tư nhân"),
        ("Công Thương", "giấy phép kinh doanh rượu"),
        ("Lao động", "giấy phép lao động cho người lao động nước ngoài"),
        ("Giáo dục và Đào tạo", "công nhận trường mầm non đạt chuẩn quốc gia"),
        ("Y tế", "chứng chỉ hành nghề khám bệnh, chữa bệnh"),
        ("Bảo trợ xã hội", "trợ cấp xã hội hằng tháng"),
        ("Văn hóa", "công nhận danh hiệu gia đình văn hóa"),
        ("Giao thông vận tải", "giấy phép lái xe"),
        ("Tài nguyên nước", "giấy phép khai thác nước dưới đất"),
        ("Lý lịch tư pháp", "phiếu lý lịch tư pháp"),
        ("Thuế", "lệ phí trước bạ nhà, đất"),
        ("Nông nghiệp", "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"),
    ]
    actions = ["Đăng ký", "Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Thu hồi", "Xác nhận", "Thẩm định"]
    qualifiers = [
        "",
        "có yếu tố nước ngoài",
        "lưu động",
        "kết hợp",
        "cho người đang ở nước ngoài",
        "đối với tổ chức",
        "đối với cá nhân",
        "trong trường hợp bị mất, hỏng",
        "theo thủ tục rút gọn",
        "thực hiện liên thông",
    ]
    with transaction.atomic():
        field_rows = {}
        for name in fields:
            field_rows[name], _ = ProcedureField.objects.get_or_create(
                name=name, defaults={"slug": fold(name).replace(" ", "-"), "name_folded": fold(name)}
            )
        decision, _ = AnnouncingDecision.objects.get_or_create(
            number="9999/QĐ-BENCH",
            defaults={"title": "Dữ liệu tổng hợp cho benchmark", "effective_on": datetime.date(2025, 7, 1)},
        )
        departments = list(ProcessingUnit.objects.filter(kind=ProcessingUnitKind.DEPARTMENT).order_by("key"))
        names: list[tuple[str, str]] = []
        seen = set()
        for qualifier in qualifiers:
            for action in actions:
                for field_name, obj in objects:
                    name = " ".join(part for part in (action, obj, qualifier) if part)
                    if name not in seen:
                        seen.add(name)
                        names.append((field_name, name[0].upper() + name[1:]))
        names = names[:CATALOGUE_SIZE]
        procedures = Procedure.objects.bulk_create(
            [Procedure(code=f"9.{index:06d}", source=Source.ILLUSTRATIVE) for index in range(1, len(names) + 1)],
            ignore_conflicts=True,
        )
        procedures = {p.code: p for p in Procedure.objects.filter(code__startswith="9.")}
        versions = []
        for index, (field_name, name) in enumerate(names, start=1):
            provincial = (index * 7) % CATALOGUE_SIZE < 1812
            versions.append(
                ProcedureVersion(
                    procedure=procedures[f"9.{index:06d}"],
                    decision=decision,
                    effective_from=datetime.date(2025, 7, 1),
                    name=name,
                    name_folded=fold(name),
                    field=field_rows[field_name],
                    level="provincial" if provincial else "commune",
                    processing_unit=departments[index % len(departments)] if provincial and departments else None,
                    time_value=index % 20 + 1,
                    time_unit="working_days",
                    working_hours=(index % 20 + 1) * 8,
                    fee_vnd=(index % 4) * 50_000,
                    channel_online=index % 3 != 0,
                    online_level=["full", "partial", "none"][index % 3],
                    is_applied=index % 3 != 2,
                )
            )
        ProcedureVersion.objects.bulk_create(versions, ignore_conflicts=True)
    print(f"synthetic catalogue: {len(names)} procedures")


# --- Serving and driving ------------------------------------------------------------------------------------


LUA = r"""
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    "RESULT {\"requests\": %%d, \"seconds\": %%f, \"p50_us\": %%d, \"p99_us\": %%d, "
      .. "\"mean_us\": %%f, \"errors\": %%d, \"non2xx\": %%d}\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency.mean,
    errors, summary.errors.status))
end
"""


def drive(base_url: str, paths: list[str], *, connections: int, threads: int, duration: int) -> dict:
    lua = LUA % {"paths": ", ".join(json.dumps(path) for path in paths)}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        completed = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "5s",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
    finally:
        os.unlink(script.name)
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
            result["rps"] = result["requests"] / result["seconds"]
            return result
    sys.exit(f"wrk gave no result:\n{completed.stdout}\n{completed.stderr}")


def settle(url: str, timeout: float = 60.0) -> None:
    """Wait until the workers have drained what the last run left queued (a quick answer, three times in a row)."""
    deadline, quick = time.monotonic() + timeout, 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            response.read()
        quick = quick + 1 if time.monotonic() - started < 0.02 else 0
        time.sleep(0.2)


def check_responses(base_url: str, paths: list[str]) -> None:
    """Every path answers 200 (and the search finds something) before the load starts."""
    for path in paths:
        with urllib.request.urlopen(base_url + path, timeout=10) as response:  # noqa: S310 (loopback)
            body = json.loads(response.read())
        if "count" in body and not body["count"]:
            print(f"  note: {path} finds nothing")


#: Distinct long-tail queries (the catalogue gives ~31,000 of two to four consecutive words).
TAIL_QUERIES = 30_000
#: The response cache's pages per worker (CATALOGUE_SEARCH_CACHE_SIZE's default).
CACHE_PAGES = 512


def long_tail_queries(database_url: str, count: int, seed: int = 2217) -> list[str]:
    """Distinct queries as citizens type them — two to four consecutive words of a name, without diacritics —
    drawn deterministically from the catalogue: each is asked once, so none is answered from the cache."""
    import random

    import psycopg2

    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_folded FROM procedures_procedureversion WHERE name_folded <> '' ORDER BY id")
        names = [row[0].split() for row in cursor.fetchall()]
    connection.close()
    rng = random.Random(seed)
    queries: dict[str, None] = {}
    for _attempt in range(count * 20):
        if len(queries) >= count:
            break
        words = rng.choice(names)
        if len(words) < 2:
            continue
        size = rng.randint(2, min(4, len(words)))
        start = rng.randint(0, len(words) - size)
        queries.setdefault(" ".join(words[start : start + size]), None)
    return list(queries)


def median_result(results: list[dict]) -> dict:
    middle = len(results) // 2
    return {
        key: sorted(result[key] for result in results)[middle]
        for key in ("rps", "p50_us", "p99_us", "errors", "requests")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint and round (10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each endpoint in turn; medians shown (3)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint (default 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: leave the CPUs to the app)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (default sync; gthread keeps connections open)"
    )
    parser.add_argument("--threads-per-worker", type=int, default=4, help="gthread threads per worker (default 4)")
    parser.add_argument("--skip-setup", action="store_true", help="the database is already prepared")
    parser.add_argument("--recreate", action="store_true", help="drop the benchmark database first")
    parser.add_argument("--synthetic", action="store_true", help="generated catalogue instead of load_catalogue")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    if not urllib.parse.urlsplit(args.database_url).scheme.startswith("postgres"):
        sys.exit("the benchmark runs against PostgreSQL: set BENCH_DATABASE_URL=postgres://…")

    env = bench_env(args.database_url, args.redis_url)
    if not args.skip_setup:
        ensure_database(args.database_url, recreate=args.recreate)
        prepare(env, synthetic=args.synthetic)
        analyze(args.database_url)

    baseline_paths = ["/api/_bench/baseline/"]
    popular_paths = [f"/api/procedures/?q={urllib.parse.quote_plus(query)}" for query in QUERIES]
    # enough that no query comes back within a run at ~1,100 req/s (3 rounds × 10 s): every request a cache miss
    tail = long_tail_queries(args.database_url, count=TAIL_QUERIES)
    tail_paths = [f"/api/procedures/?q={urllib.parse.quote_plus(query)}" for query in tail]
    scenarios = [
        ("bare DRF (SELECT 1)", baseline_paths),
        ("search, popular queries", popular_paths),
        ("search, long tail", tail_paths),
    ]
    results: dict[str, list[dict]] = {label: [] for label, _paths in scenarios}
    load_before = os.getloadavg()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [
            gunicorn,
            "portal.wsgi:application",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            *(["--threads", str(args.threads_per_worker)] if args.worker_class == "gthread" else []),
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
    try:
        wait_ready(base_url + baseline_paths[0], server)
        check_responses(base_url, popular_paths)
        load = {"connections": args.connections, "threads": args.threads}
        if args.warmup:
            for _label, paths in scenarios[:2]:
                drive(base_url, paths, duration=args.warmup, **load)
                settle(base_url + baseline_paths[0])
        tail_offset = 0  # the long tail goes on where the last round stopped: no query is asked twice
        for _round in range(args.rounds):
            for label, paths in scenarios:
                if paths is tail_paths:
                    paths = tail_paths[tail_offset:] + tail_paths[:tail_offset]
                result = drive(base_url, paths, duration=args.duration, **load)
                if label == scenarios[2][0]:
                    tail_offset = (tail_offset + result["requests"] + args.connections) % len(tail_paths)
                    if result["requests"] >= len(tail_paths):
                        # a query comes back after len(tail_paths) others; the workers keep at most
                        # CACHE_PAGES pages each (procedures.api.views.SearchResponseCache)
                        hits = len(tail_paths) <= args.workers * CACHE_PAGES
                        print(
                            f"  note: the long tail wrapped around within a round; "
                            f"{'some requests were cache hits' if hits else 'too long ago to be a cache hit'}"
                        )
                results[label].append(result)
                settle(base_url + baseline_paths[0])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    load_after = os.getloadavg()
    print()
    print(
        f"gunicorn {args.workers} {args.worker_class} workers; "
        f"wrk {args.threads} thread(s) × {args.connections} connections; "
        f"{args.rounds} round(s) × {args.duration} s per endpoint, medians; {os.cpu_count()} CPUs; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after (the run itself adds ~3)"
    )
    print(f"popular: {len(QUERIES)} queries without diacritics, in turn; long tail: {len(tail)} distinct queries")
    print(f"{'endpoint':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'× bare':>8}")
    bare = median_result(results[scenarios[0][0]])
    medians = {}
    for label, _paths in scenarios:
        result = medians[label] = median_result(results[label])
        print(
            f"{label:<28}{result['rps']:>9.0f}{result['p50_us'] / 1000:>9.1f}{result['p99_us'] / 1000:>9.1f}"
            f"{result['errors']:>8}{result['rps'] / bare['rps']:>8.2f}"
        )
    popular = medians[scenarios[1][0]]
    ratio, p99 = popular["rps"] / bare["rps"], popular["p99_us"] / 1000
    verdict = "met" if ratio >= 0.5 and p99 < 50 else "NOT met"
    print(
        f"target (popular queries): search ≥ 0.50 × bare and p99 < 50 ms — "
        f"ratio {ratio:.2f}, p99 {p99:.1f} ms: {verdict}"
    )
    tail_result = medians[scenarios[2][0]]
    ratio, p99 = tail_result["rps"] / bare["rps"], tail_result["p99_us"] / 1000
    verdict = "met" if ratio >= 0.3 and p99 < 100 else "NOT met"
    print(
        f"target (long tail, every request a cache miss): search ≥ 0.30 × bare and p99 < 100 ms — "
        f"ratio {ratio:.2f}, p99 {p99:.1f} ms: {verdict}"
    )
    print("ratio of each round (search / bare, measured back to back):")
    for label, _paths in scenarios[1:]:
        rounds = [
            result["rps"] / base["rps"] for result, base in zip(results[label], results[scenarios[0][0]], strict=True)
        ]
        p99s = [result["p99_us"] / 1000 for result in results[label]]
        print(f"  {label:<26}" + "  ".join(f"{r:.2f} (p99 {p:.0f} ms)" for r, p in zip(rounds, p99s, strict=True)))


if __name__ == "__main__":
    main()
