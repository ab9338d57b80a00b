"""Benchmark of the cases context at scale: `python -m bench cases`.

1. Data: the Enping organisation and accounts (orgs + identity demos), the demo catalog topped up to
   2,000 published item versions (`generate-items`), the case roles, and 1,000,000 synthetic cases
   (`generate-cases`, COPY; skipped when they exist).
2. Serves the app with gunicorn (production settings: DEBUG off, TOTP gate on, CONN_MAX_AGE 60) on a
   free 127.0.0.1 port and drives it over HTTP with session cookies created directly in the database
   (the staff session carries the verified TOTP device, as after a real login).
3. Scenarios, each at 1, 8 and 32 closed-loop clients after a warm-up:
   - ``queue_first``: 沙湖镇 town clerk's queue (division-tree scope), first page of 20;
   - ``queue_deep``: the same queue ~50 pages deep (cursor followed beforehand);
   - ``case_detail`` and ``case_timeline``: one case of the clerk's scope (random among 2,000);
   - ``submit``: citizens (rotated over 200 sessions) file portal applications with a unique
     Idempotency-Key over the items whose materials are all exempt (四免), so no file upload is needed;
     form validation against the JSON Schema, case number, deadline, status history and audit event all
     run.
4. Diagnostics: EXPLAIN ANALYZE of the queue query as the selector builds it, query counts per request,
   a cProfile of in-process submissions, and lock waits sampled from pg_stat_activity during submit runs
   (the audit chain head is one row every write locks).
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from bench import load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_cases"
DEFAULT_DATA_DIR = "/tmp/bench_cases"  # noqa: S108 - the bench's own scratch directory
CLERK = "shahu_clerk"
TOWN = "440785103"  # 沙湖镇
TARGET_VERSIONS = 2000
DEEP_PAGES = 50
SUBMIT_CITIZENS = 200
CSRF_TOKEN = "benchcsrftoken0123456789abcdefAB"  # noqa: S105 - 32 characters: a valid unmasked CSRF secret


def _environment() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("SHUZHENG_DATA_DIR", DEFAULT_DATA_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuzheng.config.settings.base")
    os.environ.setdefault("SHUZHENG_DB_CONN_MAX_AGE", "60")
    Path(os.environ["SHUZHENG_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench cases needs PostgreSQL: set DATABASE_URL=postgres://…")


def _log(message: str) -> None:
    print(f"[bench cases] {message}", file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------------------


def prepare(cases: int) -> dict[str, Any]:
    """Load what is missing; returns sizes and how long each step took (0 when skipped)."""
    from django.core.management import call_command

    from shuzheng.cases import demo as cases_demo
    from shuzheng.cases.models import Case, CaseStatusChange
    from shuzheng.catalog.models import ServiceItemVersion
    from shuzheng.core import context
    from shuzheng.core.constants import Channel
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Division

    timings: dict[str, float] = {}
    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = time.perf_counter() - began
    token = context.bind(channel=Channel.SYSTEM, request_id=f"bench-{uuid.uuid4().hex[:12]}")
    try:
        if (
            not Division.objects.filter(code=TOWN).exists()
            or not User.objects.filter(username=CLERK).exists()
        ):
            began = time.perf_counter()
            from shuzheng.catalog import demo as catalog_demo
            from shuzheng.identity import demo as identity_demo
            from shuzheng.orgs import demo as orgs_demo

            orgs_demo.load()
            identity_demo.load()
            catalog_demo.load()
            timings["demo_s"] = time.perf_counter() - began
        published = ServiceItemVersion.objects.filter(status="published").count()
        if published < TARGET_VERSIONS:
            began = time.perf_counter()
            call_command("generate_items", TARGET_VERSIONS - published, quiet=True)
            timings["generate_items_s"] = time.perf_counter() - began
        cases_demo.assign_roles(cases_demo.ensure_roles())
    finally:
        context.reset(token)
    began = time.perf_counter()
    call_command("generate_cases", cases)
    timings["generate_cases_s"] = time.perf_counter() - began
    return {
        "cases": Case.objects.filter(idempotency_key__startswith="gen-").count(),
        "all_cases": _estimate(Case._meta.db_table),
        "status_history_rows": _estimate(CaseStatusChange._meta.db_table),
        "item_versions": ServiceItemVersion.objects.filter(status="published").count(),
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }


def _estimate(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _session(user: Any, *, otp: bool) -> str:
    """A logged-in session for `user` (as `django.contrib.auth.login` would leave it)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "shuzheng.identity.backends.RoleBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if otp:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return str(store.session_key)


def _headers(session_key: str, *, json_body: bool = False) -> dict[str, str]:
    headers = {
        "Cookie": f"sessionid={session_key}; csrftoken={CSRF_TOKEN}",
        "Accept": "application/json",
        "Host": "127.0.0.1",
    }
    if json_body:
        headers["Content-Type"] = "application/json"
        headers["X-CSRFToken"] = CSRF_TOKEN
    return headers


def _submittable() -> list[tuple[str, dict[str, Any]]]:
    """(item code, valid form data) of published versions a citizen can file online without uploads."""
    from shuzheng.cases.demo import form_for
    from shuzheng.cases.forms import form_errors
    from shuzheng.catalog.models import ServiceItemVersion

    rng = random.Random(7)
    person = {
        "name": "陈志明",
        "id_number": "440785198001010011",
        "mobile": "13707500001",
        "uscc": "",
        "company": "",
    }
    out = []
    versions = ServiceItemVersion.objects.filter(status="published").prefetch_related("materials")
    for version in versions.order_by("pk"):
        if "portal" not in (version.channels or []) or "person" not in (version.applicant_types or []):
            continue
        if any(m.need == "required" and not m.exempt for m in version.materials.all()):
            continue
        form = form_for(version, person, rng)
        if form is not None and not form_errors(version.form_schema or {}, form):
            out.append((version.code, form))
    return out


# --- server ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(workers: int, threads: int) -> Any:
    port = _free_port()
    log = RESULTS / "cases-gunicorn.log"
    env = {**os.environ, "SHUZHENG_DEBUG": "false"}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "shuzheng.config.wsgi",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--keep-alive",
        "30",
        "--timeout",
        "60",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=ROOT)  # noqa: S603
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _get_json(port: int, path: str, headers: dict[str, str]) -> Any:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
    return json.loads(body)


# --- CPU accounting -------------------------------------------------------------------------------------


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of `pids` (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _server_pids(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == master:
                pids.append(int(entry.name))
    return pids


def _db_cpu_seconds() -> float:
    """CPU seconds of the PostgreSQL backends serving this database right now (gunicorn keeps its
    connections open, so before/after differences cover the run)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [int(row[0]) for row in cursor.fetchall()]
    return _cpu_seconds(pids)


# --- lock waits -------------------------------------------------------------------------------------------


class LockSampler(threading.Thread):
    """Samples pg_stat_activity of this database every 20 ms: active backends and those waiting on a lock."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.samples = 0
        self.active = 0
        self.waiting = 0

    def run(self) -> None:
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        with psycopg.connect(**params, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), "
                    "count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
                    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                if row is not None:
                    self.samples += 1
                    self.active += int(row[0])
                    self.waiting += int(row[1])
                time.sleep(0.02)

    def summary(self) -> dict[str, Any]:
        return {
            "lock_samples": self.samples,
            "avg_active_backends": round(self.active / max(1, self.samples), 2),
            "avg_backends_waiting_on_lock": round(self.waiting / max(1, self.samples), 2),
            "lock_wait_share": round(self.waiting / max(1, self.active), 3),
        }


# --- diagnostics ------------------------------------------------------------------------------------------


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def diagnose(
    clerk: Any, deep_cursor: str | None, submittable: list[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shuzheng.cases import selectors
    from shuzheng.cases.models import Case
    from shuzheng.identity.models import User

    out: dict[str, Any] = {}
    for label, cursor in (("queue_first", None), ("queue_deep", deep_cursor)):
        with CaptureQueriesContext(connection) as captured:
            selectors.case_queue(user=clerk, cursor=cursor)
        main = [q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"]]
        out[f"{label}_selector_queries"] = len(captured.captured_queries)
        for index, sql in enumerate(main):  # the page's keys, then its rows
            _explain(sql)  # warm
            out[f"{label}_sql_{index + 1}"] = sql
            out[f"{label}_explain_{index + 1}"] = _explain(sql)

    # Queries per HTTP request, in process (test client, same middleware).
    client = Client()
    client.cookies["sessionid"] = _session(clerk, otp=True)
    case_id = selectors.case_queue(user=clerk).items[0].pk
    for label, path in (
        ("queue", "/api/v1/cases/queue"),
        ("detail", f"/api/v1/cases/{case_id}"),
        ("timeline", f"/api/v1/cases/{case_id}/timeline"),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_ACCEPT="application/json")
        out[f"{label}_http_queries"] = len(captured.captured_queries)
        out[f"{label}_http_status"] = response.status_code

    citizen = User.objects.filter(username__startswith="gencit").order_by("username").last()
    citizen_client = Client(enforce_csrf_checks=False)
    citizen_client.cookies["sessionid"] = _session(citizen, otp=False)

    def submit(i: int) -> int:
        code, form = submittable[i % len(submittable)]
        response = citizen_client.post(
            "/api/v1/cases",
            data=json.dumps({"item_code": code, "channel": "portal", "form_data": form}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"diag-{uuid.uuid4().hex}",
            HTTP_ACCEPT="application/json",
        )
        return response.status_code

    with CaptureQueriesContext(connection) as captured:
        status = submit(0)
    out["submit_http_queries"] = len(captured.captured_queries)
    out["submit_http_status"] = status
    out["submit_queries"] = [q["sql"][:160] for q in captured.captured_queries]

    profile = cProfile.Profile()
    count = 200
    began = time.perf_counter()
    profile.enable()
    statuses = [submit(i) for i in range(1, count + 1)]
    profile.disable()
    elapsed = time.perf_counter() - began
    out["submit_inprocess_ms_each"] = round(elapsed / count * 1000, 2)
    out["submit_inprocess_statuses"] = sorted(set(statuses))
    stats = pstats.Stats(profile)
    total = sum(v[3] for v in stats.stats.values() if v[3]) and elapsed  # type: ignore[attr-defined]
    shares: dict[str, float] = {}
    wanted = {
        ("audit.py", "write_event"): "audit.write_event (SM3 chain)",
        ("services.py", "case_submit"): "cases.services.case_submit",
        ("services.py", "next_case_number"): "cases.services.next_case_number",
        ("forms.py", "validate_form"): "cases.forms.validate_form (JSON Schema)",
        ("deadlines.py", "compute_due_at"): "cases.deadlines.compute_due_at",
        ("api.py", "_detail"): "cases.api._detail (response: case_get + detail)",
        ("utils.py", "execute"): "django db execute (all SQL round trips)",
        ("base.py", "commit"): "COMMIT",
        ("fields.py", "get_db_prep_value"): "EncryptedTextField encrypt",
    }
    for (filename, line, name), value in stats.stats.items():  # type: ignore[attr-defined]
        del line
        for (suffix, function), label in wanted.items():
            if filename.endswith(suffix) and name == function:
                shares[label] = shares.get(label, 0.0) + value[3]
    out["submit_profile_share"] = {
        k: round(v / total, 3) for k, v in sorted(shares.items(), key=lambda x: -x[1])
    }
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(30)
    out["submit_profile_top"] = buffer.getvalue().splitlines()[:80]
    out["inprocess_submitted"] = Case.objects.filter(idempotency_key__startswith="diag-").count()
    return out


# --- run --------------------------------------------------------------------------------------------------


def run(
    *,
    cases: int = 1_000_000,
    clients: tuple[int, ...] = (1, 8, 32),
    duration: float = 15.0,
    warmup: float = 3.0,
    workers: int = 4,
    threads: int = 2,
    scenarios: tuple[str, ...] = ("queue_first", "queue_deep", "case_detail", "case_timeline", "submit"),
    profile: bool = True,
) -> dict[str, Any]:
    _environment()
    RESULTS.mkdir(parents=True, exist_ok=True)
    from shuzheng.cases import selectors
    from shuzheng.identity.models import User

    _log(f"preparing data ({cases} cases)…")
    data = prepare(cases)
    _log(f"data: {data}")
    clerk = User.objects.get(username=CLERK)
    clerk_session = _session(clerk, otp=True)
    citizens = list(User.objects.filter(username__startswith="gencit").order_by("username")[:SUBMIT_CITIZENS])
    citizen_sessions = [_session(c, otp=False) for c in citizens]
    submittable = _submittable()
    if not submittable:
        sys.exit("no item can be filed online without uploads; the catalog demo changed?")
    in_scope = list(
        selectors.scoped_cases(user=clerk).order_by("?").values_list("pk", flat=True)[:2000]  # one-off sample
    )
    sizes = {"cases": data["cases"], "item_versions": data["item_versions"]}
    staff_headers = _headers(clerk_session)
    rows: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}

    with gunicorn(workers, threads) as (port, server_pid):
        first = _get_json(port, "/api/v1/cases/queue", staff_headers)
        cursor = first.get("next_cursor")
        pages = 1
        while cursor and pages < DEEP_PAGES:
            page = _get_json(port, f"/api/v1/cases/queue?cursor={cursor}", staff_headers)
            pages += 1
            if not page.get("next_cursor"):
                break
            cursor = page["next_cursor"]
        deep_path = f"/api/v1/cases/queue?cursor={cursor}" if cursor else "/api/v1/cases/queue"
        extra["queue_deep_page_number"] = pages + 1 if cursor else 1
        extra["queue_first_page_rows"] = len(first.get("items", []))
        _log(f"deep page: {extra['queue_deep_page_number']}")

        def fixed(path: str) -> load.RequestFactory:
            request = load.Request("GET", path, headers=staff_headers)
            return lambda _client, _n: request

        def detail(suffix: str) -> load.RequestFactory:
            def make(client: int, n: int) -> load.Request:
                case_id = in_scope[(client * 7919 + n * 104729) % len(in_scope)]
                return load.Request("GET", f"/api/v1/cases/{case_id}{suffix}", headers=staff_headers)

            return make

        run_id = uuid.uuid4().hex[:8]

        def submit(client: int, n: int) -> load.Request:
            session = citizen_sessions[(client * 31 + n) % len(citizen_sessions)]
            code, form = submittable[(client * 13 + n * 7) % len(submittable)]
            body = json.dumps({"item_code": code, "channel": "portal", "form_data": form}, ensure_ascii=False)
            headers = _headers(session, json_body=True)
            headers["Idempotency-Key"] = f"b{run_id}-{client}-{n}-{secrets.token_hex(4)}"
            return load.Request("POST", "/api/v1/cases", body=body.encode(), headers=headers, expect=(201,))

        factories: dict[str, load.RequestFactory] = {
            "queue_first": fixed("/api/v1/cases/queue"),
            "queue_deep": fixed(deep_path),
            "case_detail": detail(""),
            "case_timeline": detail("/timeline"),
            "submit": submit,
        }
        for scenario in scenarios:
            for count in clients:
                sampler = LockSampler() if scenario == "submit" else None
                if sampler is not None:
                    sampler.start()
                pids = _server_pids(server_pid)
                load_before = os.getloadavg()[0]
                app_cpu, db_cpu, began = _cpu_seconds(pids), _db_cpu_seconds(), time.perf_counter()
                result, error = load.run(
                    scenario,
                    port=port,
                    clients=count,
                    factory=factories[scenario],
                    duration=duration,
                    warmup=warmup,
                )
                wall = time.perf_counter() - began
                app_cpu, db_cpu = _cpu_seconds(pids) - app_cpu, _db_cpu_seconds() - db_cpu
                done = max(1, result.requests)
                result.extra.update(
                    {
                        # Everything this run's requests cost the app and the database, warm-up included,
                        # per request; independent of what else the machine is doing.
                        "app_cpu_ms_per_request": round(
                            app_cpu * 1000 / done * (result.duration_s / wall), 2
                        ),
                        # Backends that reconnected during the run (CONN_MAX_AGE=60) take their CPU
                        # with them: a lower bound, None when the difference is meaningless.
                        "db_cpu_ms_per_request": round(db_cpu * 1000 / done * (result.duration_s / wall), 2)
                        if db_cpu > 0
                        else None,
                        "server_cpu_cores_busy": round((app_cpu + db_cpu) / wall, 2),
                        "loadavg_1m_before": round(load_before, 2),
                        "loadavg_1m_after": round(os.getloadavg()[0], 2),
                    }
                )
                if sampler is not None:
                    sampler.stop.set()
                    sampler.join()
                    result.extra.update(sampler.summary())
                if error:
                    result.extra["first_error"] = error
                row = result.as_dict(sizes)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)

    diagnostics: dict[str, Any] = {}
    if profile:
        _log("diagnostics: EXPLAIN ANALYZE, query counts, cProfile of submissions…")
        diagnostics = diagnose(clerk, cursor, submittable)
    report = {
        "benchmark": "cases",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres": _pg_version(),
        },
        "server": {"gunicorn_workers": workers, "threads": threads, "conn_max_age": 60, "debug": False},
        "duration_s": duration,
        "warmup_s": warmup,
        "data": data,
        "submittable_items": len(submittable),
        **extra,
        "results": rows,
        "diagnostics": diagnostics,
    }
    (RESULTS / "cases.json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    _log(f"written {RESULTS / 'cases.json'}")
    return report


def _pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return str(row[0]) if row else ""
