"""Benchmark of 一件事 submissions: `python -m bench.bundles [--clients 8] [--requests 48]`.

Runs in-process against the database the settings point at (default: the demo settings, i.e. the SQLite
demo in SHUZHENG_DATA_DIR after `shuzheng load-demo`; set DJANGO_SETTINGS_MODULE / DATABASE_URL for
PostgreSQL). It publishes one synthetic 4-item bundle of the demo's person items (code ``syn-bench-4``,
all four filed in parallel, the phone number prefilled from the account) if missing, then, with
``--clients`` threads each driving its own logged-in session of the 20 demo citizens:

- ``bundle_submit``: POST /api/v1/bundles/syn-bench-4/applications — validation, prefill, the de-duplicated
  materials (one upload, copied for the other three children), four child cases through the cases
  service, the parent, audit;
- ``case_submit``: POST /api/v1/cases for the first of the four items alone (the single-case rate).

Uploads are made before the clock starts (they are separate requests in real use). Prints one JSON line
per scenario (requests, throughput, p50/p99 in ms) and the ratio bundle ÷ case (the issue's target is
≥ 0.25), and writes bench/results/bundles.json with the database engine and the data sizes. With SQLite
the writers are serialised by the database, so the figures are a floor; say which database a figure is
from when quoting it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

BENCH_CODE = "syn-bench-4"
ITEMS = (
    "城乡居民养老保险待遇申领",
    "个人住房公积金提取（离职、退休提取）",
    "城镇职工基本养老保险关系转移接续",
    "失业保险金申领",
)
BACKEND = "shuzheng.identity.backends.RoleBackend"


def ensure_bundle() -> Any:
    from shuzheng.bundles import selectors
    from shuzheng.bundles.demo import member_fields
    from shuzheng.bundles.models import Bundle
    from shuzheng.bundles.services import versions
    from shuzheng.catalog import selectors as catalog_selectors
    from shuzheng.core.actors import SYSTEM

    if not Bundle.objects.filter(code=BENCH_CODE).exists():
        found = [catalog_selectors.guide_queryset().filter(name=n).order_by("code").first() for n in ITEMS]
        lives = [v for v in found if v is not None]
        if len(lives) != len(ITEMS):
            raise SystemExit("演示事项不存在：请先运行 shuzheng load-demo。")
        shared, members = member_fields(lives)
        draft = versions.bundle_create(
            actor=SYSTEM,
            code=BENCH_CODE,
            fields={
                "name": "压测四项一件事（压测）",
                "audience": "person",
                "theme": "retirement",
                "lead_department": lives[0].department,
                "shared_fields": shared,
                "members": members,
            },
        )
        versions.version_publish(actor=SYSTEM, version=draft)
    return selectors.guide(selectors.live_version(BENCH_CODE))


Work = list[tuple[Any, dict[str, Any]]]


def _bodies(guide: Any, users: list[Any], count: int) -> tuple[Work, Work]:
    """(user, body) of each bundle and each single-case request, their uploads made now."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shuzheng.cases.demo.files import blank_pdf
    from shuzheng.cases.services.uploads import material_upload

    pdf = blank_pdf()
    first = guide.members[0].live
    shared = {"reason": "压测申请", "bank_account": "6222020200112233446", "household_size": 2}
    shared = {k: v for k, v in shared.items() if k in {f["name"] for f in guide.version.shared_fields}}
    bundles: Work = []
    cases: Work = []
    for n in range(count):
        user = users[n % len(users)]
        answers = []
        for entry in guide.materials:
            if entry.required and not entry.exempt:
                upload = material_upload(actor=user, file=SimpleUploadedFile("m.pdf", pdf))
                answers.append({"key": entry.key, "upload_id": upload.pk})
        bundles.append((user, {"shared": shared, "materials": answers}))
        materials = []
        for requirement in first.materials.all():
            if requirement.need == "required" and not requirement.exempt:
                upload = material_upload(actor=user, file=SimpleUploadedFile("m.pdf", pdf))
                materials.append({"code": requirement.code, "upload_id": upload.pk})
        form = {k: v for k, v in shared.items() if k in (first.form_schema or {}).get("properties", {})}
        form["phone"] = str(user.mobile or "13707500001")
        cases.append((user, {"item_code": first.code, "form_data": form, "materials": materials}))
    return bundles, cases


def _drive(label: str, path: str, work: Work, clients: int) -> dict[str, Any]:
    from django.db import connections
    from django.test import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(work)

    def worker() -> None:
        sessions: dict[int, Client] = {}
        while True:
            with lock:
                if not queue:
                    break
                user, body = queue.pop()
            client = sessions.get(user.pk)
            if client is None:
                client = sessions[user.pk] = Client()
                client.force_login(user, backend=BACKEND)
            started = time.perf_counter()
            response = client.post(
                path,
                json.dumps(body),
                content_type="application/json",
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status_code == 201:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{response.status_code} {response.content[:200]!r}")
        connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    row = {
        "scenario": label,
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "seconds": round(seconds, 2),
        "per_second": round(len(latencies) / seconds, 2) if seconds else 0,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 1) if latencies else None,
        "first_errors": errors[:3],
    }
    print(json.dumps(row, ensure_ascii=False))
    return row


def run(clients: int = 8, requests: int = 48) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuzheng.config.settings.demo")
    import django

    django.setup()
    from django.conf import settings

    from shuzheng.identity.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = list(User.objects.filter(username__startswith="citizen").order_by("username")[:20])
    if not users:
        raise SystemExit("没有演示市民账号：请先运行 shuzheng load-demo。")
    guide = ensure_bundle()
    bundles, cases = _bodies(guide, users, requests)
    _drive("warmup", f"/api/v1/bundles/{BENCH_CODE}/applications", bundles[:2], 1)
    rows = [
        _drive("bundle_submit", f"/api/v1/bundles/{BENCH_CODE}/applications", bundles[2:], clients),
        _drive("case_submit", "/api/v1/cases", cases, clients),
    ]
    ratio = rows[0]["per_second"] / rows[1]["per_second"] if rows[1]["per_second"] else None
    summary = {
        "database": settings.DATABASES["default"]["ENGINE"],
        "bundle_items": len(guide.members),
        "ratio_bundle_to_case": round(ratio, 3) if ratio else None,
        "target": ">= 0.25",
        "rows": rows,
    }
    from shuzheng.bundles.models import BundleApplication

    summary["bundle_applications_in_database"] = BundleApplication.objects.count()
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, ensure_ascii=False))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bundles.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description="一件事 submission benchmark")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=48)
    args = parser.parse_args()
    run(clients=args.clients, requests=args.requests)


if __name__ == "__main__":
    main()
