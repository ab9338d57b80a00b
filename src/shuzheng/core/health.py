"""Liveness and readiness probes for load balancers and orchestrators.

/healthz answers as long as the process serves requests (restart it when this fails); /readyz checks
what a request needs — database, cache, broker — so a node is taken out of rotation while a
dependency is down, without being restarted.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

log = structlog.get_logger(__name__)
BROKER_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 returned an unexpected row")


def check_cache() -> None:
    cache = caches["default"]
    key = f"shuzheng:readyz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("cache did not return the value just stored")
    finally:
        cache.delete(key)


def check_broker() -> None:
    from kombu import Connection  # only needed when Celery is configured

    timeouts = {"socket_connect_timeout": BROKER_TIMEOUT_SECONDS, "socket_timeout": BROKER_TIMEOUT_SECONDS}
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=timeouts
    ) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
        )


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache}
    if getattr(settings, "CELERY_BROKER_URL", ""):
        checks["broker"] = check_broker
    return checks


def run_checks(checks: dict[str, Callable[[], None]]) -> tuple[bool, dict[str, dict[str, Any]]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the type is enough for the probe
            ms = round((time.perf_counter() - started) * 1000, 1)
            results[name] = {"ok": False, "ms": ms, "error": type(exc).__name__}
            log.warning("readiness_check_failed", check=name, error=str(exc), error_type=type(exc).__name__)
        else:
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return all(r["ok"] for r in results.values()), results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Touches nothing outside the process."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ok, results = run_checks(readiness_checks())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": results}, status=200 if ok else 503)
