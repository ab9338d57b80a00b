"""Benchmark of a 秒批 decision: `python -m bench.instant_approval [--requests 40]`.

Runs in-process against the database the settings point at (default: the demo settings, i.e. the SQLite
demo in SHUZHENG_DATA_DIR after `shuzheng load-demo`; set DJANGO_SETTINGS_MODULE / DATABASE_URL for
PostgreSQL). The demo's 城乡居民养老保险参保登记 has active rules (aged 16–59 in the person registry) and
citizen04 passes them. Sequentially, one request at a time (the figure is server time, not throughput):

- ``decision``: `decide_submitted_case` on a case just filed — the person registry read through the data
  service (grant check, masking, access log), the JSON Logic conditions, accept → start review → approve →
  deliver → conclude through the cases services (five history rows, audit events, notices, the signal and
  the licences context's decision document), the AutomaticDecision and its audit event, in one
  transaction. The issue's target: ≤ 50 ms.
- ``decision_without_document``: the same with the licences context's receiver disconnected, to tell
  秒批's own cost from the sealed decision document's (PDF rendering and PAdES signature);
- ``submit_and_decide``: POST /api/v1/cases through the test client with the decision run after the
  commit, as it runs without a broker — the applicant's whole wait;
- ``submit_only``: the same POST with the 秒批 receiver disconnected, for comparison.

Uploads are made before the clock starts. Prints one JSON line per scenario (wall-clock p50/p90/p99/max
and the median CPU time of the process, which other jobs on a shared machine inflate far less) and
writes bench/results/instant_approval.json with the database engine and the data sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

ITEM = "城乡居民养老保险参保登记"
APPLICANT = "citizen04"
BACKEND = "shuzheng.identity.backends.RoleBackend"


def _row(label: str, latencies: list[float], errors: list[str], cpu: list[float]) -> dict[str, Any]:
    latencies = sorted(latencies)

    def at(share: float) -> float | None:
        return round(latencies[max(0, int(len(latencies) * share) - 1)], 1) if latencies else None

    row = {
        "scenario": label,
        "requests": len(latencies),
        "errors": len(errors),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p90_ms": at(0.9),
        "p99_ms": at(0.99),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "cpu_p50_ms": round(statistics.median(cpu), 1) if cpu else None,
        "first_errors": errors[:3],
    }
    print(json.dumps(row, ensure_ascii=False))
    return row


def run(requests: int = 40) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuzheng.config.settings.demo")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client

    from shuzheng.cases.constants import CaseStatus
    from shuzheng.cases.demo.form_data import form_for
    from shuzheng.cases.models import Case
    from shuzheng.cases.services.submission import case_submit
    from shuzheng.cases.services.uploads import material_upload
    from shuzheng.cases.signals import case_status_changed
    from shuzheng.catalog.models import ServiceItemVersion
    from shuzheng.datahub.models import CatalogEntry
    from shuzheng.identity.models import User
    from shuzheng.instant_approval.models import AutomaticDecision
    from shuzheng.instant_approval.receivers import on_case_status_changed
    from shuzheng.instant_approval.selectors import active_rule_set
    from shuzheng.instant_approval.services.decisions import decide_submitted_case

    user = User.objects.filter(username=APPLICANT).first()
    version = ServiceItemVersion.objects.filter(name=ITEM, status="published").order_by("code").first()
    if user is None or version is None or active_rule_set(version.pk) is None:
        raise SystemExit("没有秒批演示数据：请先运行 shuzheng load-demo。")
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False
    from shuzheng.cases.demo.files import blank_pdf

    pdf = blank_pdf()
    applicant = {
        "name": user.full_name,
        "id_number": user.id_number,
        "uscc": "",
        "company": "",
        "mobile": user.mobile,
    }
    form = form_for(version, applicant, random.Random(7)) or {}

    def materials() -> list[dict[str, Any]]:
        rows = []
        for requirement in version.materials.all():
            if requirement.need == "required" and not requirement.exempt:
                upload = material_upload(actor=user, file=SimpleUploadedFile("m.pdf", pdf))
                rows.append({"code": requirement.code, "upload_id": upload.pk})
        return rows

    def body() -> dict[str, Any]:
        return {"channel": "portal", "item_code": version.code, "form_data": form, "materials": materials()}

    uid = "instant_approval.case_submitted"
    results: list[dict[str, Any]] = []

    # decision: file with the receiver off, then time the decision alone.
    case_status_changed.disconnect(dispatch_uid=uid)
    latencies: list[float] = []
    errors: list[str] = []
    cpu: list[float] = []
    filed = []
    for _ in range(requests):
        data = body()
        case = case_submit(
            actor=user,
            channel="portal",
            item_code=version.code,
            form_data=data["form_data"],
            materials=data["materials"],
            idempotency_key=uuid.uuid4().hex,
        )
        filed.append(case.pk)
    for case_id in filed:
        started, cpu_started = time.perf_counter(), time.process_time()
        decision = decide_submitted_case(case_id)
        elapsed = (time.perf_counter() - started) * 1000
        cpu.append((time.process_time() - cpu_started) * 1000)
        if decision is not None and decision.outcome == "approved":
            latencies.append(elapsed)
        else:
            errors.append(f"{case_id}: {decision.problems if decision else 'no decision'}")
    results.append(_row("decision", latencies, errors, cpu))

    # decision_without_document: the same with the licences context's receiver off (no sealed decision
    # document, no 用证 record), to tell 秒批's own cost from the PAdES signing of the document.
    from shuzheng.licences.receivers import on_case_status_changed as licences_receiver

    licences_uid = "licences.case_status_changed"
    case_status_changed.disconnect(dispatch_uid=licences_uid)
    filed = []
    for _ in range(requests):
        data = body()
        filed.append(
            case_submit(
                actor=user,
                channel="portal",
                item_code=version.code,
                form_data=data["form_data"],
                materials=data["materials"],
                idempotency_key=uuid.uuid4().hex,
            ).pk
        )
    latencies, errors, cpu = [], [], []
    for case_id in filed:
        started, cpu_started = time.perf_counter(), time.process_time()
        decision = decide_submitted_case(case_id)
        elapsed = (time.perf_counter() - started) * 1000
        cpu.append((time.process_time() - cpu_started) * 1000)
        if decision is not None and decision.outcome == "approved":
            latencies.append(elapsed)
        else:
            errors.append(f"{case_id}: {decision.problems if decision else 'no decision'}")
    case_status_changed.connect(licences_receiver, dispatch_uid=licences_uid)
    results.append(_row("decision_without_document", latencies, errors, cpu))

    client = Client()
    client.force_login(user, backend=BACKEND)

    def drive(label: str) -> None:
        works = [body() for _ in range(requests)]
        latencies: list[float] = []
        errors: list[str] = []
        cpu: list[float] = []
        for work in works:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post(
                "/api/v1/cases",
                json.dumps(work),
                content_type="application/json",
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            elapsed = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
            if response.status_code == 201:
                latencies.append(elapsed)
            else:
                errors.append(f"{response.status_code} {response.content[:200]!r}")
        results.append(_row(label, latencies, errors, cpu))

    drive("submit_only")
    case_status_changed.connect(on_case_status_changed, dispatch_uid=uid)
    before = AutomaticDecision.objects.filter(outcome="approved").count()
    drive("submit_and_decide")
    decided = AutomaticDecision.objects.filter(outcome="approved").count() - before
    concluded = Case.objects.filter(version=version, status=CaseStatus.CONCLUDED).count()
    registry = CatalogEntry.objects.filter(name="人口基础信息库").values_list("row_count", flat=True).first()
    summary = {
        "database": connection.vendor,
        "cases": Case.objects.count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "registry_persons": registry,
        "decided_in_submit_and_decide": decided,
        "concluded_of_item": concluded,
        "scenarios": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "instant_approval.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description="秒批 decision benchmark")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    run(requests=args.requests)


if __name__ == "__main__":
    main()
