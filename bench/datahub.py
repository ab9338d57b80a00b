"""Benchmark of the data hub at scale: `python -m bench datahub`.

1. Data: the Enping organisation, accounts and data-hub demos; the natural-person base registry grown to
   5,000,000 people (`generate-persons`, COPY, resumable); the open-data portal grown to 10,000 synthetic
   datasets (`generate-open-datasets`, resumable); a bench credential on the 民政局 grant of the person
   registry (masked: names, ID numbers, mobiles, addresses). Each step is skipped when already done.
2. Serves the app with gunicorn (production settings) on a free 127.0.0.1 port (`bench.cases.gunicorn`).
3. Scenarios, each at 1, 8 and 32 closed-loop clients (`bench.load`):
   - ``ds_key``: data service, one person by ID number (indexed key) with ``Authorization: Bearer
     <client_id>:<secret>`` — authentication, rate limit, grant check, query, masking, access log with the
     person's blind index;
   - ``ds_filter``: data service, first page of 20 people of one town born since 1985
     (``address__contains=沙湖镇&birth_date__gte=1985-01-01``: filters on a masked and an unindexed
     field, walked in ``_row_id`` order), masked, logged;
   - ``package_search``: CKAN ``/api/3/action/package_search`` over the 10,000 datasets: Chinese ``q``,
     ``rows=10``; a quarter of the calls also filter by organisation (``fq``), a quarter ask for facets;
   - ``portal_search``: the portal's search page ``/open-data/?q=…`` (HTML, facets included).
4. The quality run: the six rules of the person registry, one per GB/T 36344 dimension, over 5M rows
   (in-process, as `run-quality` does), and the full set of the registry's rules.
5. Diagnostics: queries per request, a cProfile of in-process data-service calls, EXPLAIN of the key lookup.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import json
import pstats
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import harness, load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_datahub"
DEFAULT_DATA_DIR = "/tmp/bench_datahub"  # noqa: S108 - the bench's own scratch directory
PERSONS_REGISTRY = "人口基础信息库"
GRANTEE = "EP005"  # 民政局: the demo grant for form prefill on the person registry
CLIENT_ID = "bench_persons"
SECRET = "bench-persons-secret-0123456789"  # noqa: S105 - bench credential in the bench database
#: One rule per GB/T 36344 dimension (kind, item) among the person registry's demo rules.
SIX_RULES = (
    ("pattern", "mobile"),  # 规范性
    ("not_null", "id_number"),  # 完整性
    ("range", "birth_date"),  # 准确性
    ("unique", "id_number"),  # 一致性
    ("freshness", None),  # 时效性
    ("accessible", None),  # 可访问性
)
QUERIES = (
    "停车场", "公交", "空气质量", "学校", "医疗机构", "养老", "企业", "农业合作社", "旅游景点", "温泉",
    "消防", "财政预算", "沙湖镇", "恩城", "图书馆", "就业", "河流水质", "充电桩", "政务服务",
    "非物质文化遗产",
)  # fmt: skip


def _environment() -> None:
    harness.environment("datahub", database_url=DEFAULT_DATABASE_URL, data_dir=DEFAULT_DATA_DIR)


def _log(message: str) -> None:
    print(f"[bench datahub] {message}", file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------------------


def prepare(persons: int, datasets: int) -> dict[str, Any]:
    """Load what is missing; returns sizes and how long each step took (absent when skipped)."""
    from django.core.management import call_command
    from django.db import connection

    from shuzheng.core import context
    from shuzheng.core.actors import SYSTEM
    from shuzheng.core.constants import Channel
    from shuzheng.datahub import tables
    from shuzheng.datahub.models import ApiCredential, CatalogEntry, Grant, OpenDataset
    from shuzheng.datahub.services import sharing as sharing_services

    timings: dict[str, float] = {}
    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = time.perf_counter() - began
    token = context.bind(channel=Channel.SYSTEM, request_id=f"bench-{uuid.uuid4().hex[:12]}")
    try:
        if not CatalogEntry.objects.filter(name=PERSONS_REGISTRY).exists():
            began = time.perf_counter()
            from shuzheng.datahub import demo as datahub_demo
            from shuzheng.identity import demo as identity_demo
            from shuzheng.orgs import demo as orgs_demo

            orgs_demo.load()
            identity_demo.load()
            datahub_demo.load()
            timings["demo_s"] = time.perf_counter() - began
        entry = CatalogEntry.objects.get(name=PERSONS_REGISTRY)
        model = tables.build_model(entry)
        if entry.row_count < persons:
            began = time.perf_counter()
            call_command("generate_persons", persons=persons, quiet=True)
            timings["generate_persons_s"] = time.perf_counter() - began
            began = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {tables.quote(entry.mount_table)}")
            timings["vacuum_analyze_s"] = time.perf_counter() - began
        began = time.perf_counter()
        created = tables.ensure_indexes(entry)  # tables mounted before key columns were indexed
        if created:
            timings["create_indexes_s"] = time.perf_counter() - began
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables.quote(entry.mount_table)}")
        if OpenDataset.objects.filter(name__startswith="gen-").count() < datasets:
            began = time.perf_counter()
            call_command("generate_open_datasets", datasets, quiet=True)
            timings["generate_open_datasets_s"] = time.perf_counter() - began
        if not ApiCredential.objects.filter(client_id=CLIENT_ID).exists():
            grant = Grant.objects.filter(
                entry=entry, department__code=GRANTEE, revoked_at__isnull=True
            ).latest("id")
            sharing_services.credential_issue(
                actor=SYSTEM,
                grant=grant,
                label="压测凭证",
                rate_limit_per_minute=100000,
                client_id=CLIENT_ID,
                secret=SECRET,
            )
    finally:
        context.reset(token)
    credential = ApiCredential.objects.select_related("grant").get(client_id=CLIENT_ID)
    entry.refresh_from_db()
    return {
        "persons": harness.estimate_rows(entry.mount_table),
        "persons_row_count": entry.row_count,
        "open_datasets": OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE).count(),
        "person_table_mb": _table_mb(entry.mount_table),
        "entry_code": entry.code,
        "granted_fields": list(credential.grant.fields),
        "clear_text": credential.grant.allow_clear_text,
        "model": model.__name__,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }


def _table_mb(table: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
        row = cursor.fetchone()
    return round(int(row[0]) / 1024 / 1024, 1) if row else 0.0


def _samples(entry_code: str) -> tuple[list[str], list[str]]:
    """2,000 ID numbers spread over the table, and the town names of the addresses."""
    from django.db import connection

    from shuzheng.datahub import tables
    from shuzheng.datahub.models import CatalogEntry

    entry = CatalogEntry.objects.get(code=entry_code)
    table = tables.quote(entry.mount_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {table} TABLESAMPLE SYSTEM (0.2) LIMIT 2000")
        ids = [row[0] for row in cursor.fetchall()]
    random.Random(5).shuffle(ids)
    from shuzheng.orgs.demo import TOWNS

    return ids, [t.name for t in TOWNS]


# --- quality ----------------------------------------------------------------------------------------------


def quality_run(entry_code: str) -> dict[str, Any]:
    """Time a run of the six rules (one per dimension), then of all the registry's active rules."""
    from django.db import transaction

    from shuzheng.core.actors import SYSTEM
    from shuzheng.datahub import quality
    from shuzheng.datahub.models import CatalogEntry, QualityResult, QualityRule

    entry = CatalogEntry.objects.get(code=entry_code)
    rules = list(QualityRule.objects.filter(entry=entry).select_related("item"))
    six: list[int] = []
    for kind, item in SIX_RULES:
        found = next(
            (
                r
                for r in rules
                if r.kind == kind and (r.item.name if r.item else None) == item and r.pk not in six
            ),
            None,
        )
        if found is not None:
            six.append(found.pk)
    active = {r.pk for r in rules if r.is_active}
    out: dict[str, Any] = {"six_rules": [], "rows": entry.row_count}
    try:
        with transaction.atomic():
            QualityRule.objects.filter(entry=entry).exclude(pk__in=six).update(is_active=False)
            QualityRule.objects.filter(pk__in=six).update(is_active=True)
        began = time.perf_counter()
        run = quality.run(actor=SYSTEM, entries=[entry])
        out["six_rules_s"] = round(time.perf_counter() - began, 2)
        for result in QualityResult.objects.filter(run=run).select_related("rule__item").order_by("id"):
            rule = result.rule
            out["six_rules"].append(
                {
                    "rule": rule.name if rule else "",
                    "dimension": result.dimension,
                    "checked": result.checked,
                    "failed": result.failed,
                    "ms": result.duration_ms,
                    "error": result.error,
                }
            )
        with transaction.atomic():
            QualityRule.objects.filter(entry=entry, pk__in=active).update(is_active=True)
        began = time.perf_counter()
        run = quality.run(actor=SYSTEM, entries=[entry])
        out["all_rules_count"] = run.rule_count
        out["all_rules_s"] = round(time.perf_counter() - began, 2)
    finally:
        with transaction.atomic():
            QualityRule.objects.filter(entry=entry).update(is_active=False)
            QualityRule.objects.filter(pk__in=active).update(is_active=True)
    return out


# --- diagnostics ------------------------------------------------------------------------------------------


def diagnose(entry_code: str, ids: list[str], towns: list[str]) -> dict[str, Any]:
    """Queries per request and a cProfile of in-process data-service calls; EXPLAIN of the key lookup."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shuzheng.datahub import tables
    from shuzheng.datahub.models import CatalogEntry

    client = Client(HTTP_AUTHORIZATION=f"Bearer {CLIENT_ID}:{SECRET}")
    out: dict[str, Any] = {}
    paths = {
        "ds_key": f"/api/v1/datahub/data/{entry_code}/rows?id_number={ids[0]}",
        "ds_filter": f"/api/v1/datahub/data/{entry_code}/rows?"
        + urlencode({"address__contains": towns[0], "birth_date__gte": "1985-01-01", "limit": 20}),
        "package_search": "/api/3/action/package_search?" + urlencode({"q": "停车场", "rows": 10}),
    }
    anonymous = Client()  # the CKAN API reads an Authorization header as an API key
    for name, path in paths.items():
        caller = anonymous if name == "package_search" else client
        caller.get(path)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            response = caller.get(path)
        out[f"{name}_status"] = response.status_code
        out[f"{name}_queries"] = len(queries.captured_queries)
        out[f"{name}_sql"] = [q["sql"][:300] for q in queries.captured_queries]
    entry = CatalogEntry.objects.get(code=entry_code)
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM {tables.quote(entry.mount_table)} "
            "WHERE id_number = %s ORDER BY _row_id LIMIT 21",
            [ids[1]],
        )
        out["explain_key_lookup"] = [row[0] for row in cursor.fetchall()]
    count = 300
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    for n in range(count):
        client.get(f"/api/v1/datahub/data/{entry_code}/rows?id_number={ids[(n + 2) % len(ids)]}")
    profile.disable()
    out["ds_key_inprocess_ms_each"] = round((time.perf_counter() - began) / count * 1000, 2)
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(40)
    out["ds_key_profile_top"] = buffer.getvalue().splitlines()[:90]
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("tottime").print_stats(25)
    out["ds_key_profile_tottime"] = buffer.getvalue().splitlines()[:60]
    return out


# --- run --------------------------------------------------------------------------------------------------


def run(
    *,
    persons: int = 5_000_000,
    datasets: int = 10_000,
    clients: tuple[int, ...] = (1, 8, 32),
    duration: float = 15.0,
    warmup: float = 3.0,
    workers: int = 4,
    threads: int = 2,
    scenarios: tuple[str, ...] = ("ds_key", "ds_filter", "package_search", "portal_search"),
    quality: bool = True,
    profile: bool = True,
) -> dict[str, Any]:
    _environment()
    RESULTS.mkdir(parents=True, exist_ok=True)
    _log(f"preparing data ({persons} persons, {datasets} open datasets)…")
    data = prepare(persons, datasets)
    _log(f"data: {data}")
    entry_code = data["entry_code"]
    ids, towns = _samples(entry_code)
    sizes = {"persons": data["persons"], "open_datasets": data["open_datasets"]}
    auth = {
        "Authorization": f"Bearer {CLIENT_ID}:{SECRET}",
        "Accept": "application/json",
        "Host": "127.0.0.1",
    }
    organizations = _organizations()
    rows: list[dict[str, Any]] = []

    def ds_filter(client: int, n: int) -> load.Request:
        town = towns[(client * 31 + n * 7) % len(towns)]
        query = urlencode({"address__contains": town, "birth_date__gte": "1985-01-01", "limit": 20})
        return load.Request("GET", f"/api/v1/datahub/data/{entry_code}/rows?{query}", headers=auth)

    def portal_search(client: int, n: int) -> load.Request:
        query = QUERIES[(client * 13 + n) % len(QUERIES)]
        return load.Request("GET", "/open-data/?" + urlencode({"q": query}), headers={"Host": "127.0.0.1"})

    factories: dict[str, load.RequestFactory] = {
        "ds_key": ds_key_factory(entry_code, ids, auth),
        "ds_filter": ds_filter,
        "package_search": package_search_factory(organizations),
        "portal_search": portal_search,
    }
    with harness.gunicorn(workers, threads, name="datahub") as (port, server_pid):
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
                    )
                )
    access_logs = _access_log_rows()
    quality_out: dict[str, Any] = {}
    if quality:
        _log("quality run over the person registry…")
        load_before = harness.loadavg()[0]
        quality_out = quality_run(entry_code)
        quality_out["loadavg_1m_before"] = load_before
        quality_out["loadavg_1m_after"] = harness.loadavg()[0]
        print(json.dumps({"scenario": "quality_run", **quality_out}, ensure_ascii=False), flush=True)
    diagnostics: dict[str, Any] = {}
    if profile:
        _log("diagnostics: query counts, EXPLAIN, cProfile of in-process data-service calls…")
        with contextlib.suppress(Exception):
            diagnostics = diagnose(entry_code, ids, towns)
    report = {
        "benchmark": "datahub",
        "machine": harness.machine(),
        "server": {"gunicorn_workers": workers, "threads": threads, "conn_max_age": 60, "debug": False},
        "duration_s": duration,
        "warmup_s": warmup,
        "data": data,
        "access_log_rows": access_logs,
        "results": rows,
        "quality": quality_out,
        "diagnostics": diagnostics,
    }
    (RESULTS / "datahub.json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    _log(f"written {RESULTS / 'datahub.json'}")
    return report


def ds_key_factory(entry_code: str, ids: list[str], auth: dict[str, str]) -> load.RequestFactory:
    """Data-service calls: one person by ID number (indexed key)."""

    def make(client: int, n: int) -> load.Request:
        number = ids[(client * 7919 + n * 104729) % len(ids)]
        return load.Request("GET", f"/api/v1/datahub/data/{entry_code}/rows?id_number={number}", headers=auth)

    return make


def ds_page_factory(entry_code: str, auth: dict[str, str]) -> load.RequestFactory:
    """Data-service calls the masked bench grant may make (masked fields can be neither filtered nor sorted
    on since issue 9): a page of 20 people born since a date, in row order, masked and logged."""

    def make(client: int, n: int) -> load.Request:
        year = 1940 + (client * 7 + n * 13) % 60
        query = urlencode({"birth_date__gte": f"{year}-01-01", "limit": 20})
        return load.Request("GET", f"/api/v1/datahub/data/{entry_code}/rows?{query}", headers=auth)

    return make


def package_search_factory(organizations: list[str]) -> load.RequestFactory:
    """CKAN package_search: Chinese q, a quarter also by organisation (fq), a quarter with facets."""
    plain = {"Accept": "application/json", "Host": "127.0.0.1"}

    def make(client: int, n: int) -> load.Request:
        k = client * 13 + n
        params: dict[str, Any] = {"q": QUERIES[k % len(QUERIES)], "rows": 10}
        if k % 4 == 1 and organizations:
            params["fq"] = f"organization:{organizations[k % len(organizations)]}"
        elif k % 4 == 2:
            params["facet.field"] = json.dumps(["organization", "groups", "tags", "res_format"])
        return load.Request("GET", "/api/3/action/package_search?" + urlencode(params), headers=plain)

    return make


def _organizations() -> list[str]:
    from shuzheng.datahub.selectors import open_data as open_data_selectors

    return [o["code"].lower() for o in open_data_selectors.open_organizations()]


def _access_log_rows() -> int:
    from shuzheng.datahub.models import AccessLog

    return AccessLog.objects.count()
