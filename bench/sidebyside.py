"""Side by side: `python -m bench sidebyside` serves a bare Django JSON view and a bare Django view that
inserts one row (`bench/bare`, no middleware) and then the platform, each under the same gunicorn shape,
drives all of them with `wrk`, and reports throughput, p50/p95/p99 and server CPU per request for each,
with the platform's throughput as a ratio of its bare counterpart at the same concurrency.

Each part runs in its own process, since each is served from its own bench database (the data of
`bench cases`, `bench appeals` and `bench datahub`, prepared the same way, steps skipped when done):
- ``bare``: ``bare_json`` (GET) and ``bare_insert`` (POST, one INSERT), on the cases database;
- ``cases``: ``queue`` (沙湖镇 clerk's queue, first page), ``case_detail``, ``submit`` (portal filing);
- ``appeals``: ``intake`` (hotline agent);
- ``datahub``: ``data_service`` (a page of 20 people, masked, logged) and ``package_search`` (CKAN).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench import harness, load

RESULTS = harness.RESULTS
PARTS = ("bare", "cases", "appeals", "datahub")
REQUESTS_PER_SCENARIO = 2000
#: scenario → (bare baseline, minimum throughput ratio) from issue 14.
RATIO_TARGETS = {
    "queue": ("bare_json", 0.3),
    "case_detail": ("bare_json", 0.3),
    "submit": ("bare_insert", 0.25),
    "intake": ("bare_insert", 0.2),
    "data_service": ("bare_json", 0.3),
}
P95_TARGETS_MS = {"package_search": 50.0}
#: (name, the requests it cycles through, the header made unique per request)
Scenario = tuple[str, list[load.Request], str | None]


def _log(message: str) -> None:
    print(f"[bench sidebyside] {message}", file=sys.stderr, flush=True)


def _sample(factory: load.RequestFactory) -> list[load.Request]:
    per_client = REQUESTS_PER_SCENARIO // 8
    return [factory(client, n) for client in range(8) for n in range(per_client)]


# --- parts (each in its own process) ----------------------------------------------------------------------


def _bare(
    args: argparse.Namespace,
) -> tuple[dict[str, Any], list[Scenario]]:
    from bench import cases
    from bench.bare.schema import CREATE_SQL

    cases._environment()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CREATE_SQL)
    headers = {"Accept": "application/json", "Host": "127.0.0.1", "Content-Type": "application/json"}
    insert = [
        load.Request(
            "POST",
            "/bare/insert",
            body=json.dumps({"note": f"n{i}"}).encode(),
            headers=headers,
            expect=(201,),
        )
        for i in range(100)
    ]
    scenarios: list[Scenario] = [
        ("bare_json", [load.Request("GET", "/bare/json", headers=headers)], None),
        ("bare_insert", insert, None),
    ]
    return {}, scenarios


def _cases(
    args: argparse.Namespace,
) -> tuple[dict[str, Any], list[Scenario]]:
    from bench import cases

    cases._environment()
    from shuzheng.cases import selectors
    from shuzheng.identity.models import User

    data = cases.prepare(args.cases)
    clerk = User.objects.get(username=cases.CLERK)
    staff = harness.headers(harness.session(clerk, otp=True))
    citizens = User.objects.filter(username__startswith="gencit").order_by("username")[
        : cases.SUBMIT_CITIZENS
    ]
    citizen_sessions = [harness.session(c, otp=False) for c in citizens]
    in_scope = list(selectors.scoped_cases(user=clerk).order_by("?").values_list("pk", flat=True)[:2000])
    queue = [load.Request("GET", "/api/v1/cases/queue", headers=staff)]
    scenarios: list[Scenario] = [
        ("queue", queue, None),
        ("case_detail", _sample(cases.detail_factory(in_scope, staff, "")), None),
        ("submit", _sample(cases.submit_factory(citizen_sessions, cases._submittable())), "Idempotency-Key"),
    ]
    sizes = {"cases": data["cases"], "all_cases": data["all_cases"], "item_versions": data["item_versions"]}
    return sizes, scenarios


def _appeals(
    args: argparse.Namespace,
) -> tuple[dict[str, Any], list[Scenario]]:
    from bench import appeals

    appeals._environment()
    from shuzheng.identity.models import User

    data = appeals.prepare(args.appeals)
    agent = User.objects.get(username=appeals.AGENT)
    headers = harness.headers(harness.session(agent, otp=True), json_body=True)
    run_id = f"s{int(time.time()) % 100000}"
    intake = _sample(appeals.intake_factory(appeals.intake_bodies(), headers, run_id))
    scenarios: list[Scenario] = [("intake", intake, None)]
    return {"appeals": data["appeals"], "work_orders": data["work_orders"]}, scenarios


def _datahub(
    args: argparse.Namespace,
) -> tuple[dict[str, Any], list[Scenario]]:
    from bench import datahub

    datahub._environment()
    data = datahub.prepare(args.persons, args.datasets)
    auth = {
        "Authorization": f"Bearer {datahub.CLIENT_ID}:{datahub.SECRET}",
        "Accept": "application/json",
        "Host": "127.0.0.1",
    }
    scenarios: list[Scenario] = [
        ("data_service", _sample(datahub.ds_page_factory(data["entry_code"], auth)), None),
        ("package_search", _sample(datahub.package_search_factory(datahub._organizations())), None),
    ]
    return {"persons": data["persons"], "open_datasets": data["open_datasets"]}, scenarios


def run_part(part: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    builders = {"bare": _bare, "cases": _cases, "appeals": _appeals, "datahub": _datahub}
    sizes, scenarios = builders[part](args)
    wanted = set(args.scenarios.split(",")) if args.scenarios else None
    server: dict[str, Any] = {"name": f"sidebyside-{part}"}
    if part == "bare":
        server.update(app="bench.bare.wsgi", env={"DJANGO_SETTINGS_MODULE": "bench.bare.settings"})
    rows = []
    with harness.gunicorn(args.workers, args.threads, **server) as (port, server_pid):
        for scenario, requests, unique in scenarios:
            if wanted is not None and scenario not in wanted:
                continue
            # Intake: every worker loads the dispatch model file on its first request; warm up longer.
            warmup = max(args.warmup, 8.0) if scenario == "intake" else args.warmup
            for connections in (int(c) for c in args.clients.split(",")):
                row = harness.measure_wrk(
                    scenario,
                    port=port,
                    server_pid=server_pid,
                    connections=connections,
                    requests=requests,
                    duration=args.duration,
                    warmup=warmup,
                    sizes=sizes,
                    unique_header=unique,
                )
                rows.append({"part": part, **row})
    return rows


# --- the whole run ----------------------------------------------------------------------------------------


def with_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row gets its throughput ratio to the bare baseline at the same concurrency and whether the
    issue's target is met."""
    bare = {(r["scenario"], r["clients"]): r for r in rows if r["part"] == "bare"}
    for row in rows:
        if row["scenario"] in RATIO_TARGETS:
            baseline, target = RATIO_TARGETS[row["scenario"]]
            base = bare.get((baseline, row["clients"]))
            if base and base["throughput_rps"]:
                row["baseline"] = baseline
                row["ratio"] = round(row["throughput_rps"] / base["throughput_rps"], 3)
                row["target"] = f"ratio >= {target}"
                row["met"] = row["ratio"] >= target
        elif row["scenario"] in P95_TARGETS_MS:
            target_ms = P95_TARGETS_MS[row["scenario"]]
            row["target"] = f"p95 <= {target_ms:g} ms"
            row["met"] = row["p95_ms"] <= target_ms
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for part in args.parts.split(",") if args.parts else PARTS:
        out = RESULTS / f"sidebyside-{part}.json"
        _log(f"part {part}…")
        command = [sys.executable, "-m", "bench.sidebyside", part, "--out", str(out), *_forward(args)]
        subprocess.run(command, check=True, cwd=harness.ROOT, env=os.environ.copy())  # noqa: S603
        rows.extend(json.loads(out.read_text()))
    with_ratios(rows)
    from bench import cases

    cases._environment()  # only for the machine description (PostgreSQL version, cache)
    report = {
        "benchmark": "sidebyside",
        "machine": harness.machine(),
        "server": {"gunicorn_workers": args.workers, "threads": args.threads, "conn_max_age": 60},
        "load_generator": "wrk",
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "results": rows,
    }
    (RESULTS / "sidebyside.json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    for row in rows:
        print(json.dumps({k: row.get(k) for k in SUMMARY}, ensure_ascii=False), flush=True)
    _log(f"written {RESULTS / 'sidebyside.json'}")
    return report


SUMMARY = (
    "scenario",
    "clients",
    "throughput_rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "errors",
    "app_cpu_ms_per_request",
    "db_cpu_ms_per_request",
    "ratio",
    "target",
    "met",
)
FORWARDED = ("cases", "appeals", "persons", "datasets", "clients", "duration", "warmup", "workers", "threads")


def _forward(args: argparse.Namespace) -> list[str]:
    out = []
    for name in FORWARDED:
        out += [f"--{name}", str(getattr(args, name))]
    if args.scenarios:
        out += ["--scenarios", args.scenarios]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sidebyside", description="one part of the run")
    parser.add_argument("part", choices=PARTS)
    parser.add_argument("--out", required=True)
    for name in ("cases", "appeals", "persons", "datasets", "workers", "threads"):
        parser.add_argument(f"--{name}", type=int, required=True)
    for name in ("duration", "warmup"):
        parser.add_argument(f"--{name}", type=float, required=True)
    parser.add_argument("--clients", required=True)
    parser.add_argument("--scenarios", default="")
    args = parser.parse_args()
    rows = run_part(args.part, args)
    with open(args.out, "w") as out:
        json.dump(rows, out, ensure_ascii=False, default=str)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(harness.ROOT / "src"))
    sys.exit(main())
