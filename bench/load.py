"""A small closed-loop HTTP load generator: N client threads, keep-alive connections, fixed duration.

Each client sends its next request as soon as the previous answer has been read (closed loop, no think
time), so throughput and latency are those of N users clicking as fast as the server lets them. Bounded:
it stops after `duration` seconds or `max_requests` requests, whichever comes first, and only talks to
127.0.0.1.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[int, ...] = (200,)


#: Builds the next request for (client index, request number within that client).
RequestFactory = Callable[[int, int], Request]


@dataclass
class Result:
    scenario: str
    clients: int
    requests: int
    duration_s: float
    throughput_rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, data: dict[str, Any]) -> dict[str, Any]:
        out = {
            "scenario": self.scenario,
            "clients": self.clients,
            "requests": self.requests,
            "duration_s": round(self.duration_s, 2),
            "throughput_rps": round(self.throughput_rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "errors": self.errors,
            "data": data,
        }
        out.update(self.extra)
        return out


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


class _Client(threading.Thread):
    def __init__(
        self, index: int, port: int, factory: RequestFactory, stop_at: list[float], budget: _Budget
    ) -> None:
        super().__init__(daemon=True, name=f"bench-client-{index}")
        self.index = index
        self.port = port
        self.factory = factory
        self.stop_at = stop_at
        self.budget = budget
        self.samples: list[tuple[float, float, bool]] = []  # (finished at, latency s, ok)
        self.first_error = ""

    def run(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        n = 0
        while time.perf_counter() < self.stop_at[0] and self.budget.take():
            request = self.factory(self.index, n)
            n += 1
            began = time.perf_counter()
            ok = False
            try:
                conn.request(request.method, request.path, body=request.body, headers=request.headers)
                response = conn.getresponse()
                body = response.read()
                ok = response.status in request.expect
                if not ok and not self.first_error:
                    self.first_error = f"{response.status} {body[:300]!r}"
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                if not self.first_error:
                    self.first_error = repr(exc)
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            finished = time.perf_counter()
            self.samples.append((finished, finished - began, ok))
        conn.close()


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def run(
    scenario: str,
    *,
    port: int,
    clients: int,
    factory: RequestFactory,
    duration: float,
    warmup: float,
    max_requests: int = 200_000,
) -> tuple[Result, str]:
    """Run `clients` closed-loop clients for `warmup` + `duration` seconds; only requests finishing after
    the warm-up count. Returns the result and the first error seen (if any)."""
    began = time.perf_counter()
    measure_from = began + warmup
    stop_at = [measure_from + duration]
    budget = _Budget(max_requests)
    threads = [_Client(i, port, factory, stop_at, budget) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + duration + 60)
    ended = max((s[0] for t in threads for s in t.samples), default=stop_at[0])
    window = max(0.001, min(ended, stop_at[0]) - measure_from)
    counted = [s for t in threads for s in t.samples if s[0] >= measure_from]
    ok = [latency * 1000 for _, latency, good in counted if good]
    errors = sum(1 for _, _, good in counted if not good)
    first_error = next((t.first_error for t in threads if t.first_error), "")
    result = Result(
        scenario=scenario,
        clients=clients,
        requests=len(counted),
        duration_s=window,
        throughput_rps=len(ok) / window,
        p50_ms=percentile(ok, 50),
        p99_ms=percentile(ok, 99),
        errors=errors,
    )
    result.extra["p95_ms"] = round(percentile(ok, 95), 2)
    return result, first_error
