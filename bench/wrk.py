"""Drive the server with `wrk` (C, event loop) instead of Python threads, so the load generator takes a
small share of the same two cores. The requests a scenario sends are written into a Lua script as a
table that each connection walks; a header named `unique_header` (the Idempotency-Key of submissions)
gets a per-run, per-thread counter appended so no two requests share it."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

from bench import load

SCRIPT = """
local reqs = {%(requests)s}
local expect = {%(expect)s}
local unique = %(unique)s
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

function init(args)
  nonce = args[1] or "0"
  n = 0
  bad = 0
  first_error = ""
end

function request()
  n = n + 1
  local r = reqs[(n * 7919 + tid * 104729) %% #reqs + 1]
  local headers = r[4]
  if unique then
    headers = {}
    for k, v in pairs(r[4]) do headers[k] = v end
    headers[unique] = headers[unique] .. "-" .. nonce .. "-" .. tid .. "-" .. n
  end
  return wrk.format(r[1], r[2], headers, r[3])
end

function response(status, headers, body)
  if not expect[status] then
    bad = bad + 1
    if first_error == "" then
      first_error = status .. " " .. string.sub(body or "", 1, 300):gsub("[^%%w%%p ]", "?")
    end
  end
end

function done(summary, latency, requests)
  local b, err = 0, ""
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    if err == "" then err = t:get("first_error") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"bad_status": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), b, e.connect + e.read + e.write + e.timeout))
  io.write("WRKERR " .. err .. "\\n")
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua(value: str | bytes) -> str:
    """A Lua string literal of `value` (bytes escaped as decimal, so any UTF-8 or quote survives)."""
    data = value.encode() if isinstance(value, str) else value
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in data) + '"'


def script(requests: list[load.Request], *, unique_header: str | None) -> str:
    rows = []
    for r in requests:
        headers = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in r.headers.items())
        body = _lua(r.body) if r.body is not None else "nil"
        rows.append(f"{{{_lua(r.method)}, {_lua(r.path)}, {body}, {{{headers}}}}}")
    expect = ", ".join(f"[{code}] = true" for code in sorted({c for r in requests for c in r.expect}))
    return SCRIPT % {
        "requests": ",\n".join(rows),
        "expect": expect,
        "unique": _lua(unique_header) if unique_header else "nil",
    }


def run(
    scenario: str,
    *,
    port: int,
    connections: int,
    requests: list[load.Request],
    duration: float,
    script_dir: Path,
    unique_header: str | None = None,
) -> tuple[load.Result, str]:
    """One wrk run of `duration` seconds over `connections` keep-alive connections (wrk threads: up to 2,
    the machine's cores). Returns the result (p95 in extra) and the first unexpected answer, if any."""
    path = script_dir / f"wrk-{scenario}.lua"
    path.write_text(script(requests, unique_header=unique_header))
    command = [
        "wrk",
        "-t",
        str(min(2, connections)),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        str(path),
        f"http://127.0.0.1:{port}",
        "--",
        uuid.uuid4().hex[:10],
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 90).stdout  # noqa: S603
    stats = json.loads(next(line for line in output.splitlines() if line.startswith("WRKJSON "))[8:])
    error = next((line[7:] for line in output.splitlines() if line.startswith("WRKERR ")), "").strip()
    seconds = stats["duration_us"] / 1e6
    errors = stats["bad_status"] + stats["socket_errors"]
    result = load.Result(
        scenario=scenario,
        clients=connections,
        requests=stats["requests"],
        duration_s=seconds,
        throughput_rps=(stats["requests"] - stats["bad_status"]) / max(seconds, 0.001),
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        errors=errors,
    )
    result.extra["p95_ms"] = round(stats["p95_us"] / 1000, 2)
    result.extra["load_generator"] = "wrk"
    return result, error
