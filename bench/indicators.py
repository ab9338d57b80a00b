"""Benchmark of the plan indicators: `python -m bench.indicators [--repeat N]`.

Runs in-process against the database the settings point at (default: the demo settings, i.e. the SQLite
demo in SHUZHENG_DATA_DIR after `make demo`; set DJANGO_SETTINGS_MODULE / DATABASE_URL for PostgreSQL)
and measures, after one warm-up (URL resolver, jieba and templates loaded):

- ``compute_all``: the 22 values (every selector, every breakdown and drill-down), ``--repeat`` times;
- ``dashboard``: GET /workbench/indicators/ as the demo's ``leader`` (22 values, status, sparklines);
- ``api_list``: GET /api/v1/indicators;
- ``snapshot``: one `snapshot_take` of today (22 rows, the audit event).

Prints one JSON line per measurement (median, p95, max in ms, queries) and writes
bench/results/indicators.json with the data sizes it ran at — state those sizes with any figure quoted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def _timed(label: str, fn: Callable[[], Any], repeat: int) -> dict[str, Any]:
    from django.db import connection, reset_queries

    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
    times.sort()
    row = {
        "scenario": label,
        "repeat": repeat,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "queries": queries,
    }
    print(json.dumps(row, ensure_ascii=False))
    return row


def _sizes() -> dict[str, int]:
    from django.apps import apps

    counted = {
        "cases": "cases.Case",
        "appeals": "appeals.Appeal",
        "work_orders": "appeals.WorkOrder",
        "evaluations": "evaluation.Evaluation",
        "open_datasets": "datahub.OpenDataset",
        "service_item_versions": "catalog.ServiceItemVersion",
        "video_terminals": "indicators.VideoTerminal",
        "snapshots": "indicators.IndicatorSnapshot",
    }
    return {name: apps.get_model(label)._default_manager.count() for name, label in counted.items()}


def run(repeat: int = 20, username: str = "leader") -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuzheng.config.settings.demo")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from shuzheng.core.actors import SystemActor
    from shuzheng.identity.selectors import user_by_username
    from shuzheng.indicators.selectors.compute import compute_all
    from shuzheng.indicators.services.snapshots import snapshot_take

    settings.DEBUG = True  # count queries
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = user_by_username(username)
    if user is None:
        raise SystemExit(f"没有账号 {username}：请先运行 make demo（或 shuzheng load-demo）。")
    client = Client()
    client.force_login(user, backend="shuzheng.identity.backends.RoleBackend")
    sizes = _sizes()
    print(
        json.dumps({"sizes": sizes, "database": settings.DATABASES["default"]["ENGINE"]}, ensure_ascii=False)
    )
    compute_all()  # warm-up
    client.get("/workbench/indicators/")
    rows = [
        _timed("compute_all", compute_all, repeat),
        _timed("dashboard", lambda: client.get("/workbench/indicators/"), repeat),
        _timed("api_list", lambda: client.get("/api/v1/indicators"), repeat),
        _timed("snapshot", lambda: snapshot_take(actor=SystemActor("bench")), max(3, repeat // 5)),
    ]
    result = {"sizes": sizes, "database": settings.DATABASES["default"]["ENGINE"], "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "indicators.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.indicators", description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per scenario (default 20)")
    parser.add_argument("--user", default="leader", help="account the pages are opened as (default leader)")
    args = parser.parse_args(argv)
    run(repeat=args.repeat, username=args.user)
    return 0


if __name__ == "__main__":
    sys.exit(main())
