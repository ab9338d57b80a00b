"""Per-request facts (request id, ip, channel, role) that services and logs read without a request."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    channel: str = "system"
    role: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "shuzheng_request_context",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, safe to share
)


def current() -> RequestContext:
    return _current.get()


def bind(**changes: object) -> contextvars.Token[RequestContext]:
    return _current.set(replace(_current.get(), **changes))  # type: ignore[arg-type]


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
