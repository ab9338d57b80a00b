"""What every benchmark shares: environment, logged-in sessions, a gunicorn server, CPU and lock accounting,
and one measured load run per (scenario, clients) with the same columns in every JSON report."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CSRF_TOKEN = "benchcsrftoken0123456789abcdefAB"  # noqa: S105 - 32 characters: a valid unmasked CSRF secret
#: One Redis database per bench database: cached sessions, users and authorization snapshots are keyed by
#: primary key, which would name another user in another bench's database.
REDIS_DATABASES = {"cases": 9, "appeals": 10, "datahub": 11}


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def environment(name: str, *, database_url: str, data_dir: str) -> None:
    """Production settings on the bench's own PostgreSQL database, with Redis as the shared cache when it
    answers on 127.0.0.1:6379 (as a multi-process deployment has it); then django.setup()."""
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("SHUZHENG_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuzheng.config.settings.base")
    os.environ.setdefault("SHUZHENG_DB_CONN_MAX_AGE", "60")
    if "REDIS_URL" not in os.environ and _answers(6379):
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DATABASES.get(name, 9)}"
    Path(os.environ["SHUZHENG_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"bench {name} needs PostgreSQL: set DATABASE_URL=postgres://…")


def estimate_rows(table: str) -> int:
    """PostgreSQL's row estimate for a table (instant, unlike COUNT(*) at millions of rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def loadavg() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": pg_version(),
        "cache": "redis" if os.environ.get("REDIS_URL") else "per-process memory",
    }


def session(user: Any, *, otp: bool) -> str:
    """A logged-in session for `user` (as `django.contrib.auth.login` would leave it)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "shuzheng.identity.backends.RoleBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if otp:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return str(store.session_key)


def headers(session_key: str, *, json_body: bool = False) -> dict[str, str]:
    headers = {
        "Cookie": f"sessionid={session_key}; csrftoken={CSRF_TOKEN}",
        "Accept": "application/json",
        "Host": "127.0.0.1",
    }
    if json_body:
        headers["Content-Type"] = "application/json"
        headers["X-CSRFToken"] = CSRF_TOKEN
    return headers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    workers: int,
    threads: int,
    *,
    name: str,
    app: str = "shuzheng.config.wsgi",
    env: dict[str, str] | None = None,
) -> Any:
    """Serve `app` (the platform, or the bench's bare baseline) on a free 127.0.0.1 port."""
    port = _free_port()
    log = RESULTS / f"{name}-gunicorn.log"
    env = {**os.environ, "SHUZHENG_DEBUG": "false", **(env or {})}
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--keep-alive",
        "30",
        "--timeout",
        "60",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=ROOT)  # noqa: S603
    try:
        deadline = time.time() + 180  # four workers importing the app on a busy 2-core machine
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 180 s")
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def get_json(port: int, path: str, headers: dict[str, str]) -> Any:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
    return json.loads(body)


# --- CPU accounting -------------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of `pids` (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def server_pids(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == master:
                pids.append(int(entry.name))
    return pids


def db_cpu_seconds() -> float:
    """CPU seconds of the PostgreSQL backends serving this database right now (gunicorn keeps its
    connections open, so before/after differences cover the run)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [int(row[0]) for row in cursor.fetchall()]
    return cpu_seconds(pids)


# --- lock waits -------------------------------------------------------------------------------------------


class LockSampler(threading.Thread):
    """Samples pg_stat_activity of this database every 20 ms: active backends and those waiting on a lock."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.samples = 0
        self.active = 0
        self.waiting = 0

    def run(self) -> None:
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        with psycopg.connect(**params, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), "
                    "count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
                    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                if row is not None:
                    self.samples += 1
                    self.active += int(row[0])
                    self.waiting += int(row[1])
                time.sleep(0.02)

    def summary(self) -> dict[str, Any]:
        return {
            "lock_samples": self.samples,
            "avg_active_backends": round(self.active / max(1, self.samples), 2),
            "avg_backends_waiting_on_lock": round(self.waiting / max(1, self.samples), 2),
            "lock_wait_share": round(self.waiting / max(1, self.active), 3),
        }


# --- one measured run -----------------------------------------------------------------------------------


def measure(
    scenario: str,
    *,
    port: int,
    server_pid: int,
    clients: int,
    factory: load.RequestFactory,
    duration: float,
    warmup: float,
    sizes: dict[str, Any],
    sample_locks: bool = False,
) -> dict[str, Any]:
    """One closed-loop run of the Python load generator (warm-up inside the accounted window), with what
    it cost the app and the database per request and the load average around it; printed as one JSON
    line and returned."""
    return _accounted(
        lambda: load.run(
            scenario, port=port, clients=clients, factory=factory, duration=duration, warmup=warmup
        ),
        server_pid=server_pid,
        sizes=sizes,
        sample_locks=sample_locks,
    )


def measure_wrk(
    scenario: str,
    *,
    port: int,
    server_pid: int,
    connections: int,
    requests: list[load.Request],
    duration: float,
    warmup: float,
    sizes: dict[str, Any],
    unique_header: str | None = None,
    sample_locks: bool = False,
) -> dict[str, Any]:
    """As `measure`, driven by wrk: unrecorded warm-up runs, then the measured run alone is accounted.
    Warm-up runs use at least 8 connections (every worker thread) and repeat (up to 120 s) until one
    completes four requests per connection: a worker's first search or intake loads the jieba dictionary
    and the dispatch model (seconds of CPU each), and a measured run — even on one connection, which
    lands on any worker — must not meet a cold worker."""
    from bench import wrk

    began = time.monotonic()
    warm_connections = max(connections, 8)
    while warmup > 0:
        warm, _ = wrk.run(
            scenario,
            port=port,
            connections=warm_connections,
            requests=requests,
            duration=warmup,
            script_dir=RESULTS,
            unique_header=unique_header,
        )
        if warm.requests >= 4 * warm_connections or time.monotonic() - began > 120:
            break
    return _accounted(
        lambda: wrk.run(
            scenario,
            port=port,
            connections=connections,
            requests=requests,
            duration=duration,
            script_dir=RESULTS,
            unique_header=unique_header,
        ),
        server_pid=server_pid,
        sizes=sizes,
        sample_locks=sample_locks,
    )


def _accounted(
    run: Callable[[], tuple[load.Result, str]],
    *,
    server_pid: int,
    sizes: dict[str, Any],
    sample_locks: bool,
) -> dict[str, Any]:
    sampler = LockSampler() if sample_locks else None
    if sampler is not None:
        sampler.start()
    pids = server_pids(server_pid)
    load_before = loadavg()
    app_cpu, db_cpu, began = cpu_seconds(pids), db_cpu_seconds(), time.perf_counter()
    result, error = run()
    wall = time.perf_counter() - began
    app_cpu, db_cpu = cpu_seconds(pids) - app_cpu, db_cpu_seconds() - db_cpu
    done = max(1, result.requests)
    result.extra.update(
        {
            # Everything this run's requests cost the app and the database (a warm-up inside the
            # window included), per request; independent of what else the machine is doing.
            "app_cpu_ms_per_request": round(app_cpu * 1000 / done * (result.duration_s / wall), 2),
            # Backends that reconnected during the run (CONN_MAX_AGE=60) take their CPU with them: a
            # lower bound, None when the difference is meaningless.
            "db_cpu_ms_per_request": round(db_cpu * 1000 / done * (result.duration_s / wall), 2)
            if db_cpu > 0
            else None,
            "server_cpu_cores_busy": round((app_cpu + db_cpu) / wall, 2),
            "loadavg_1m_before": load_before[0],
            "loadavg_before": load_before,
            "loadavg_1m_after": loadavg()[0],
            "loadavg_after": loadavg(),
        }
    )
    if sampler is not None:
        sampler.stop.set()
        sampler.join()
        result.extra.update(sampler.summary())
    if error:
        result.extra["first_error"] = error
    row = result.as_dict(sizes)
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return str(row[0]) if row else ""
