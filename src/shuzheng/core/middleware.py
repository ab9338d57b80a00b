"""Request id and request context for logs, audit and problem responses."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

from shuzheng.core import context
from shuzheng.core.constants import Channel

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_CHANNELS = set(Channel.values)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        channel = request.headers.get("X-Channel", "")
        if channel not in _CHANNELS:
            channel = Channel.API if request.path.startswith("/api/") else Channel.PORTAL
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.bind(request_id=request_id, ip=client_ip(request), channel=channel, role="")
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
