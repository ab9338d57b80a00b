"""Benchmark of e-licences: `python -m bench.licences [--repeat N]`.

In-process against a scratch SQLite database of its own (``SHUZHENG_DATA_DIR``, default
/tmp/bench_licences; migrated on first run), with one department, its seal, a licence type and a
citizen made through the services. Measures, after one warm-up (fonts, pyHanko, the seal's signer):

- ``issue``: `licence_issue` — 流水号, identifier, SM2 over the canonical data, the reportlab PDF with its
  QR code, the PAdES signature, the record, history, use log and audit event (target ≤ 150 ms);
- ``verify_cold``: `verify_identifier` with the cache emptied first — both signatures really checked;
- ``verify``: the same with the check results cached (a QR code scanned again; target ≤ 20 ms);
- ``verify_http``: GET /api/v1/licences/verify/{identifier} through Django's test client (the server's
  whole request: middleware, rate-limit counter, verification, JSON).

Prints one JSON line per measurement (wall-clock median, p95, max in ms; the median CPU time of this
process, which other jobs on a shared machine do not inflate; the load average) and writes
bench/results/licences.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def _timed(
    label: str, fn: Callable[[], Any], repeat: int, *, target_ms: float | None = None
) -> dict[str, Any]:
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    row = {
        "scenario": label,
        "repeat": repeat,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "target_ms": target_ms,
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(row, ensure_ascii=False))
    return row


def _world() -> tuple[Any, Any]:
    from shuzheng.core.actors import SYSTEM
    from shuzheng.core.validators import generate_id_number, generate_uscc
    from shuzheng.licences.constants import HolderKind
    from shuzheng.licences.models import LicenceType, Seal
    from shuzheng.licences.services import seals
    from shuzheng.orgs import selectors as orgs_selectors
    from shuzheng.orgs.services import departments, divisions

    division = orgs_selectors.active_division_by_code("440785") or divisions.division_create(
        actor=SYSTEM, code="440785", name="恩平市", level="city"
    )
    department = orgs_selectors.department_by_code("EP020") or departments.department_create(
        actor=SYSTEM,
        code="EP020",
        name="恩平市市场监督管理局",
        short_name="市场监管局",
        division=division,
        uscc=generate_uscc("440785", 20, authority="1", entity_type="1"),
    )
    if not Seal.objects.filter(department=department, status="active").exists():
        seals.seal_issue(actor=SYSTEM, department=department)
    licence_type, _ = LicenceType.objects.get_or_create(
        code=generate_uscc("110000", 1002, authority="1", entity_type="1") + "003",
        defaults={
            "name": "食品经营许可证",
            "material_label": "食品经营许可证",
            "department": department,
            "holder_kind": HolderKind.PERSON,
            "fields": [{"key": "address", "label": "经营场所"}, {"key": "items", "label": "经营项目"}],
            "validity_years": 5,
        },
    )
    return licence_type, generate_id_number("440785", date(1985, 3, 2), 1, False)


def run(repeat: int = 30) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuzheng.config.settings.demo")
    os.environ.setdefault("SHUZHENG_DATA_DIR", "/tmp/bench_licences")  # noqa: S108 - the bench's scratch dir
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from shuzheng.core.actors import SYSTEM
    from shuzheng.licences import verification
    from shuzheng.licences.services import licences

    call_command("migrate", verbosity=0, interactive=False)
    settings.SHUZHENG_LICENCE_VERIFICATIONS_PER_MINUTE = -1  # measure the check, not the limiter's refusal
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    licence_type, id_number = _world()

    def issue() -> Any:
        return licences.licence_issue(
            actor=SYSTEM,
            licence_type=licence_type,
            holder_name="陈建明",
            holder_code=id_number,
            data={"address": "恩平市恩城街道新平中路1号", "items": "预包装食品销售"},
        )

    identifier = issue().identifier  # warm-up: fonts, pyHanko, the seal's signer
    verification.verify_identifier(identifier)
    rows = [_timed("issue", issue, repeat, target_ms=150)]

    def cold() -> None:
        cache.clear()
        assert verification.verify_identifier(identifier).verdict == "valid"

    rows.append(_timed("verify_cold", cold, repeat))
    rows.append(_timed("verify", lambda: verification.verify_identifier(identifier), repeat, target_ms=20))
    client = Client()
    path = f"/api/v1/licences/verify/{identifier}"
    assert client.get(path).status_code == 200
    rows.append(_timed("verify_http", lambda: client.get(path), repeat, target_ms=20))
    from shuzheng.licences.models import Licence

    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "node": platform.node()},
        "sizes": {"licences": Licence.objects.count()},
        "database": settings.DATABASES["default"]["ENGINE"],
        "rows": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "licences.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    run(repeat=parser.parse_args().repeat)
