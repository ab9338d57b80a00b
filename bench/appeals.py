"""Benchmark of the appeals hub (一网统管) at scale: `python -m bench appeals`.

1. Data: the Enping organisation and accounts (orgs + identity demos), the appeals demo (categories,
   catalogue, rules, staff, 20,000 historical appeals, the demo model), then 2,000,000 SYNTHETIC appeals
   with work orders and events (`generate-appeals`, COPY; skipped when they exist).
2. Serves the app with gunicorn (production settings) exactly as `bench cases` does (its `gunicorn`,
   `_session` and `_headers` helpers are reused) and drives it over HTTP with `bench.load`.
3. Scenarios, each at 1, 8 and 32 closed-loop clients after a warm-up:
   - ``dispatch_queue``: the dispatch centre's manual queue (`dispatch01`, scope: all), first page;
   - ``department_queue``: 城管执法局's open work orders (`cgj_handler`, department tree), first page;
   - ``intake``: `POST /api/v1/appeals/appeals` by the hotline agent `hotline01` (synthetic texts without a
     category, villages of every town): validation, number, SLA, full-text entry, audit event, routing
     rules, the classifier (department + category), merge candidates, work order, event, audit and
     notifications, then the detail response.
4. Diagnostics: the classifier alone (p50/p99 of one prediction), EXPLAIN ANALYZE of both queue queries,
   queries per HTTP request, a cProfile of in-process intakes, and ``train-dispatch`` on 200,000 closed
   appeals (time, accuracy and macro-F1 on the held-out 10 % and the keyword baseline on the same split).
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

from bench import harness, load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_appeals"
DEFAULT_DATA_DIR = "/tmp/bench_appeals"  # noqa: S108 - the bench's own scratch directory
AGENT = "hotline01"
DISPATCHER = "dispatch01"
HANDLER = "cgj_handler"
TRAIN_LIMIT = 200_000
INTAKE_TEXTS = 5000
SCENARIOS = ("dispatch_queue", "department_queue", "intake")
DISPATCH_QUEUE = "/api/v1/appeals/queues/dispatch"
DEPARTMENT_QUEUE = "/api/v1/appeals/queues/department"
INTAKE = "/api/v1/appeals/appeals"


def _environment() -> None:
    harness.environment("appeals", database_url=DEFAULT_DATABASE_URL, data_dir=DEFAULT_DATA_DIR)


def _log(message: str) -> None:
    print(f"[bench appeals] {message}", file=sys.stderr, flush=True)


def prepare(appeals: int) -> dict[str, Any]:
    """Load what is missing; returns sizes and how long each step took (0 when skipped)."""
    from django.core.management import call_command

    from shuzheng.appeals.models import Appeal, WorkOrder, WorkOrderEvent
    from shuzheng.core import context
    from shuzheng.core.constants import Channel
    from shuzheng.identity.models import User

    timings: dict[str, float] = {}
    began = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = time.perf_counter() - began
    token = context.bind(channel=Channel.SYSTEM, request_id=f"bench-{uuid.uuid4().hex[:12]}")
    try:
        if not User.objects.filter(username=HANDLER).exists():
            began = time.perf_counter()
            from shuzheng.appeals import demo as appeals_demo
            from shuzheng.identity import demo as identity_demo
            from shuzheng.orgs import demo as orgs_demo

            orgs_demo.load()
            identity_demo.load()
            appeals_demo.load()
            timings["demo_s"] = time.perf_counter() - began
        began = time.perf_counter()
        loadavg = harness.loadavg()
        call_command("generate_appeals", appeals)
        timings["generate_appeals_s"] = time.perf_counter() - began
    finally:
        context.reset(token)
    return {
        "appeals": Appeal.objects.filter(number__startswith="SG").count(),
        "all_appeals": harness.estimate_rows(Appeal._meta.db_table),
        "work_orders": harness.estimate_rows(WorkOrder._meta.db_table),
        "work_order_events": harness.estimate_rows(WorkOrderEvent._meta.db_table),
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "loadavg_before_generate": loadavg,
    }


def intake_bodies(count: int = INTAKE_TEXTS) -> list[dict[str, Any]]:
    """Request bodies for `POST /api/v1/appeals/appeals`: synthetic texts (a seed unlike the generator's), no
    category (the classifier fills it), a village of the text's town, a reporter."""
    from shuzheng.appeals.demo import synthetic
    from shuzheng.orgs.models import Division

    villages: dict[str, list[str]] = {}
    for code in Division.objects.filter(level=Division.Level.VILLAGE, code__startswith="440785").values_list(
        "code", flat=True
    ):
        villages.setdefault(code[:9], []).append(code)
    rng = random.Random(99)
    bodies = []
    for n, item in enumerate(synthetic.generate(count, seed=424242)):
        bodies.append(
            {
                "channel": "hotline",
                "appeal_type": item.appeal_type,
                "text": item.text,
                "division_code": rng.choice(villages.get(item.town) or [item.town]),
                "reporter_name": "陈建明",
                "reporter_phone": f"137{n % 100_000_000:08d}",
            }
        )
    return bodies


# --- diagnostics ------------------------------------------------------------------------------------------


def intake_factory(bodies: list[dict[str, Any]], headers: dict[str, str], run_id: str) -> load.RequestFactory:
    """Hotline intakes over the synthetic texts, titled `压测<run_id>-…` so a run's appeals can be counted."""

    def make(client: int, n: int) -> load.Request:
        body = dict(bodies[(client * 7919 + n * 104729) % len(bodies)])
        body["title"] = f"压测{run_id}-{client}-{n}"[:100]
        return load.Request(
            "POST", INTAKE, body=json.dumps(body, ensure_ascii=False).encode(), headers=headers, expect=(201,)
        )

    return make


def _explain(sql: str, params: Any = None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def classifier_alone(bodies: list[dict[str, Any]], count: int = 2000, model: Any = None) -> dict[str, Any]:
    """One prediction at a time (department + category heads), as intake does, with the active model
    (or ``model``, a DispatchModel row)."""
    from shuzheng.appeals import classifier
    from shuzheng.appeals.routing import active_dispatch_model

    active = (
        active_dispatch_model() if model is None else (model, classifier.load(model.version, model.file_path))
    )
    if active is None or active[1] is None:
        return {"error": "no model"}
    row, bundle = active[0], active[1]
    assert bundle is not None
    texts = [f" {b['text']}" for b in bodies[:count]]
    for text in texts[:50]:
        bundle.predict(text)
    samples = []
    for text in texts:
        began = time.perf_counter()
        bundle.predict(text)
        samples.append((time.perf_counter() - began) * 1000)
    return {
        "model_version": row.version,
        "model_samples": row.sample_count,
        "predictions": len(samples),
        "p50_ms": round(load.percentile(samples, 50), 3),
        "p99_ms": round(load.percentile(samples, 99), 3),
        "mean_ms": round(sum(samples) / len(samples), 3),
    }


def explain_queues(dispatcher: Any, handler: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shuzheng.appeals.selectors import work_orders as work_order_selectors

    out: dict[str, Any] = {}
    for label, call, table in (
        ("dispatch_queue", lambda: work_order_selectors.dispatch_queue(user=dispatcher), '"appeals_appeal"'),
        (
            "department_queue",
            lambda: work_order_selectors.department_queue(user=handler),
            '"appeals_workorder"',
        ),
    ):
        call()
        with CaptureQueriesContext(connection) as captured:
            page = call()
        out[f"{label}_rows"] = len(page.items)
        out[f"{label}_selector_queries"] = len(captured.captured_queries)
        main = [q["sql"] for q in captured.captured_queries if f"FROM {table}" in q["sql"]]
        for index, sql in enumerate(main):
            out[f"{label}_sql_{index + 1}"] = sql
            out[f"{label}_explain_{index + 1}"] = _explain(sql).splitlines()
    return out


def query_counts(sessions: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out: dict[str, Any] = {}
    for label, user, path in (
        ("dispatch_queue", DISPATCHER, DISPATCH_QUEUE),
        ("department_queue", HANDLER, DEPARTMENT_QUEUE),
    ):
        client = Client()
        client.cookies["sessionid"] = sessions[user]
        client.get(path, HTTP_ACCEPT="application/json")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_ACCEPT="application/json")
        out[f"{label}_http_queries"] = len(captured.captured_queries)
        out[f"{label}_http_status"] = response.status_code
    client = Client()
    client.cookies["sessionid"] = sessions[AGENT]
    with CaptureQueriesContext(connection) as captured:
        response = client.post(INTAKE, data=json.dumps(body), content_type="application/json")
    out["intake_http_queries"] = len(captured.captured_queries)
    out["intake_http_status"] = response.status_code
    out["intake_queries"] = [q["sql"][:160] for q in captured.captured_queries]
    return out


PROFILE_LABELS = {
    ("intake.py", "appeal_intake"): "services.intake.appeal_intake (all of it)",
    ("intake.py", "appeal_validate"): "services.intake.appeal_validate",
    ("common.py", "next_number"): "services.common.next_number (sequence row)",
    ("fulltext.py", "index"): "core.fulltext.index (jieba + entry)",
    ("dispatch.py", "auto_dispatch_appeal"): "services.dispatch.auto_dispatch_appeal",
    ("routing.py", "routing_rule_match"): "routing.routing_rule_match",
    ("routing.py", "active_dispatch_model"): "routing.active_dispatch_model",
    ("classifier.py", "predict_many"): "classifier.Bundle.predict",
    ("routing.py", "merge_candidates"): "routing.merge_candidates",
    ("dispatch.py", "_create_work_order"): "services.dispatch._create_work_order",
    ("common.py", "notify_department"): "services.common.notify_department",
    ("audit.py", "record"): "core.audit.record (append, sealed later)",
    ("api.py", "_detail"): "api._detail (response extras)",
    ("appeals.py", "appeal_get"): "selectors.appeals.appeal_get",
    ("utils.py", "execute"): "django db execute (all SQL round trips)",
    ("base.py", "commit"): "COMMIT",
}


def profile_intake(
    sessions: dict[str, str], bodies: list[dict[str, Any]], count: int = 200
) -> dict[str, Any]:
    """cProfile of `count` intakes through the test client (full middleware stack, in process)."""
    from django.test import Client

    client = Client()
    client.cookies["sessionid"] = sessions[AGENT]

    def post(i: int) -> int:
        body = bodies[(i * 37) % len(bodies)]
        return client.post(INTAKE, data=json.dumps(body), content_type="application/json").status_code

    post(0)
    plain = time.perf_counter()
    for i in range(1, 51):
        post(i)
    plain_ms = (time.perf_counter() - plain) / 50 * 1000
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    statuses = [post(i) for i in range(51, 51 + count)]
    profile.disable()
    elapsed = time.perf_counter() - began
    stats = pstats.Stats(profile)
    shares: dict[str, float] = {}
    for (filename, _line, name), value in stats.stats.items():  # type: ignore[attr-defined]
        for (suffix, function), label in PROFILE_LABELS.items():
            if filename.endswith(suffix) and name == function:
                shares[label] = shares.get(label, 0.0) + value[3]
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(40)
    return {
        "intake_inprocess_ms_each": round(plain_ms, 2),
        "intake_inprocess_ms_each_profiled": round(elapsed / count * 1000, 2),
        "intake_inprocess_statuses": sorted(set(statuses)),
        "intake_profile_share": {
            k: round(v / elapsed, 3) for k, v in sorted(shares.items(), key=lambda x: -x[1])
        },
        "intake_profile_top": buffer.getvalue().splitlines()[:90],
    }


def train(bodies: list[dict[str, Any]], limit: int = TRAIN_LIMIT) -> dict[str, Any]:
    """`shuzheng train-dispatch --limit N --no-activate` (the bench keeps the active model), timed."""
    from django.core.management import call_command

    from shuzheng.appeals.models import DispatchModel

    loadavg = harness.loadavg()
    began = time.perf_counter()
    out = io.StringIO()
    call_command("train_dispatch", limit=limit, no_activate=True, quiet=True, stdout=out)
    wall = time.perf_counter() - began
    model = DispatchModel.objects.order_by("-trained_at", "-id").first()
    assert model is not None
    return {
        "limit": limit,
        "wall_s": round(wall, 1),
        "training_seconds": model.training_seconds,
        "version": model.version,
        "samples": model.sample_count,
        "held_out": model.test_count,
        "department_accuracy": round(model.accuracy, 4),
        "department_macro_f1": round(model.macro_f1, 4),
        "category_accuracy": round(model.category_accuracy or 0, 4),
        "category_macro_f1": round(model.category_macro_f1 or 0, 4),
        "baseline_accuracy": round(model.baseline_accuracy or 0, 4),
        "baseline_macro_f1": round(model.baseline_macro_f1 or 0, 4),
        "loadavg_before": loadavg,
        "loadavg_after": harness.loadavg(),
        "output": out.getvalue().splitlines(),
        "classifier_alone": classifier_alone(bodies, model=model),
    }


# --- run --------------------------------------------------------------------------------------------------


def run(
    *,
    appeals: int = 2_000_000,
    clients: tuple[int, ...] = (1, 8, 32),
    duration: float = 15.0,
    warmup: float = 3.0,
    workers: int = 4,
    threads: int = 2,
    scenarios: tuple[str, ...] = SCENARIOS,
    profile: bool = True,
    training: bool = True,
) -> dict[str, Any]:
    _environment()
    RESULTS.mkdir(parents=True, exist_ok=True)
    from shuzheng.appeals.constants import OPEN_WORK_ORDER_STATUSES, AppealStatus
    from shuzheng.appeals.models import Appeal, WorkOrder
    from shuzheng.identity.models import User

    _log(f"preparing data ({appeals} appeals)…")
    data = prepare(appeals)
    _log(f"data: {data}")
    users = {u.username: u for u in User.objects.filter(username__in=[AGENT, DISPATCHER, HANDLER])}
    sessions = {name: harness.session(user, otp=True) for name, user in users.items()}
    bodies = intake_bodies()
    handler_department = users[HANDLER].department
    data["pending_dispatch"] = Appeal.objects.filter(
        status=AppealStatus.PENDING_DISPATCH, is_historical=False
    ).count()
    data["open_work_orders"] = WorkOrder.objects.filter(status__in=OPEN_WORK_ORDER_STATUSES).count()
    data["handler_open_work_orders"] = WorkOrder.objects.filter(
        status__in=OPEN_WORK_ORDER_STATUSES, lead_department=handler_department
    ).count()
    sizes = {"appeals": data["appeals"], "work_orders": data["work_orders"]}
    rows: list[dict[str, Any]] = []
    diagnostics: dict[str, Any] = {}
    if profile:
        diagnostics["classifier_alone"] = classifier_alone(bodies)
        _log(f"classifier alone: {diagnostics['classifier_alone']}")

    run_id = uuid.uuid4().hex[:6]
    with harness.gunicorn(workers, threads, name="appeals") as (port, server_pid):
        for name in (DISPATCHER, HANDLER):
            harness.get_json(
                port,
                DISPATCH_QUEUE if name == DISPATCHER else DEPARTMENT_QUEUE,
                harness.headers(sessions[name]),
            )

        def fixed(path: str, user: str) -> load.RequestFactory:
            request = load.Request("GET", path, headers=harness.headers(sessions[user]))
            return lambda _client, _n: request

        intake = intake_factory(bodies, harness.headers(sessions[AGENT], json_body=True), run_id)

        factories: dict[str, load.RequestFactory] = {
            "dispatch_queue": fixed(DISPATCH_QUEUE, DISPATCHER),
            "department_queue": fixed(DEPARTMENT_QUEUE, HANDLER),
            "intake": intake,
        }
        for scenario in scenarios:
            if scenario == "intake":
                # Every gunicorn worker loads the model file on its first intake (cached per process
                # afterwards): do that before measuring, with the highest concurrency, unrecorded.
                load.run(
                    "intake_warmup", port=port, clients=max(clients), factory=intake, duration=8, warmup=0
                )
            for count in clients:
                # Intake writes: sample lock waits (sequence rows) as bench cases does.
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
                        sample_locks=scenario == "intake",
                    )
                )

    if profile:
        _log("diagnostics: EXPLAIN ANALYZE, query counts, cProfile of intakes…")
        diagnostics.update(explain_queues(users[DISPATCHER], users[HANDLER]))
        diagnostics.update(query_counts(sessions, bodies[0]))
        diagnostics.update(profile_intake(sessions, bodies))
    if training:
        _log(f"train-dispatch on {TRAIN_LIMIT} appeals…")
        diagnostics["training"] = train(bodies)
        _log(f"training: {diagnostics['training']}")
    with contextlib.suppress(Exception):
        data["intake_created"] = Appeal.objects.filter(title__startswith=f"压测{run_id}").count()
    report = {
        "benchmark": "appeals",
        "machine": harness.machine(),
        "server": {"gunicorn_workers": workers, "threads": threads, "conn_max_age": 60, "debug": False},
        "duration_s": duration,
        "warmup_s": warmup,
        "data": data,
        "results": rows,
        "diagnostics": diagnostics,
    }
    (RESULTS / "appeals.json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    _log(f"written {RESULTS / 'appeals.json'}")
    return report
