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
   a cProfile of in-process submissions, and lock waits sampled from pg_stat_activity during submit runs.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import random
import secrets
import sys
import time
import uuid
from typing import Any

from bench import harness, load

RESULTS = harness.RESULTS
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_cases"
DEFAULT_DATA_DIR = "/tmp/bench_cases"  # noqa: S108 - the bench's own scratch directory
CLERK = "shahu_clerk"
TOWN = "440785103"  # 沙湖镇
TARGET_VERSIONS = 2000
DEEP_PAGES = 50
SUBMIT_CITIZENS = 200


def _environment() -> None:
    harness.environment("cases", database_url=DEFAULT_DATABASE_URL, data_dir=DEFAULT_DATA_DIR)


def _log(message: str) -> None:
    print(f"[bench cases] {message}", file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------------------


def prepare(cases: int) -> dict[str, Any]:
    """Load what is missing; returns sizes and how long each step took (0 when skipped)."""
    from django.core.management import call_command

    from shuzheng.cases.demo import roles as case_roles
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
        case_roles.assign_roles(case_roles.ensure_roles())
    finally:
        context.reset(token)
    began = time.perf_counter()
    call_command("generate_cases", cases)
    timings["generate_cases_s"] = time.perf_counter() - began
    return {
        "cases": Case.objects.filter(idempotency_key__startswith="gen-").count(),
        "all_cases": harness.estimate_rows(Case._meta.db_table),
        "status_history_rows": harness.estimate_rows(CaseStatusChange._meta.db_table),
        "item_versions": ServiceItemVersion.objects.filter(status="published").count(),
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }


def _submittable() -> list[tuple[str, dict[str, Any]]]:
    """(item code, form data) of published versions a citizen can file online without uploads."""
    from shuzheng.cases.demo.form_data import form_for
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
        form = form_for(version, person, rng)  # valid but for the identity fields the service fills in
        if form is not None:
            out.append((version.code, form))
    return out


# --- requests -------------------------------------------------------------------------------------------


def detail_factory(in_scope: list[int], headers: dict[str, str], suffix: str) -> load.RequestFactory:
    """`GET /api/v1/cases/{id}{suffix}` over the clerk's sampled cases."""

    def make(client: int, n: int) -> load.Request:
        case_id = in_scope[(client * 7919 + n * 104729) % len(in_scope)]
        return load.Request("GET", f"/api/v1/cases/{case_id}{suffix}", headers=headers)

    return make


def submit_factory(
    citizen_sessions: list[str], submittable: list[tuple[str, dict[str, Any]]]
) -> load.RequestFactory:
    """Portal submissions by rotating citizens, each with its own Idempotency-Key."""
    run_id = uuid.uuid4().hex[:8]

    def make(client: int, n: int) -> load.Request:
        session = citizen_sessions[(client * 31 + n) % len(citizen_sessions)]
        code, form = submittable[(client * 13 + n * 7) % len(submittable)]
        body = json.dumps({"item_code": code, "channel": "portal", "form_data": form}, ensure_ascii=False)
        headers = harness.headers(session, json_body=True)
        headers["Idempotency-Key"] = f"b{run_id}-{client}-{n}-{secrets.token_hex(4)}"
        return load.Request("POST", "/api/v1/cases", body=body.encode(), headers=headers, expect=(201,))

    return make


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
    client.cookies["sessionid"] = harness.session(clerk, otp=True)
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
    citizen_client.cookies["sessionid"] = harness.session(citizen, otp=False)

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
        ("audit.py", "write_event"): "audit.write_event (append, sealed later)",
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
    clerk_session = harness.session(clerk, otp=True)
    citizens = list(User.objects.filter(username__startswith="gencit").order_by("username")[:SUBMIT_CITIZENS])
    citizen_sessions = [harness.session(c, otp=False) for c in citizens]
    submittable = _submittable()
    if not submittable:
        sys.exit("no item can be filed online without uploads; the catalog demo changed?")
    in_scope = list(
        selectors.scoped_cases(user=clerk).order_by("?").values_list("pk", flat=True)[:2000]  # one-off sample
    )
    sizes = {"cases": data["cases"], "item_versions": data["item_versions"]}
    staff_headers = harness.headers(clerk_session)
    rows: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}

    with harness.gunicorn(workers, threads, name="cases") as (port, server_pid):
        first = harness.get_json(port, "/api/v1/cases/queue", staff_headers)
        cursor = first.get("next_cursor")
        pages = 1
        while cursor and pages < DEEP_PAGES:
            page = harness.get_json(port, f"/api/v1/cases/queue?cursor={cursor}", staff_headers)
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

        factories: dict[str, load.RequestFactory] = {
            "queue_first": fixed("/api/v1/cases/queue"),
            "queue_deep": fixed(deep_path),
            "case_detail": detail_factory(in_scope, staff_headers, ""),
            "case_timeline": detail_factory(in_scope, staff_headers, "/timeline"),
            "submit": submit_factory(citizen_sessions, submittable),
        }
        for scenario in scenarios:
            for count in clients:
                rows.append(
                    harness.measure(
                        scenario,
                        port=port,
                        server_pid=server_pid,
                        clients=count,
                        factory=factories[scenario],
                        duration=duration,
                        warmup=warmup,
                        sizes=sizes,
                        sample_locks=scenario == "submit",
                    )
                )

    diagnostics: dict[str, Any] = {}
    if profile:
        _log("diagnostics: EXPLAIN ANALYZE, query counts, cProfile of submissions…")
        diagnostics = diagnose(clerk, cursor, submittable)
    report = {
        "benchmark": "cases",
        "machine": harness.machine(),
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
