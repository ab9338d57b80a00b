"""Request id, request context and access log; request-level guards on API bodies and parameters."""

from __future__ import annotations

import ipaddress
import re
import time
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from shuzheng.core import context, errors
from shuzheng.core.constants import Channel
from shuzheng.core.schemas import UNSTORABLE_MESSAGE, has_unstorable, printable

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_CHANNELS = set(Channel.values)
# Probes hit every node every few seconds; their access lines go to DEBUG so they do not drown the rest.
_PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
access_log = structlog.get_logger("shuzheng.access")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None


def ip_in(ip: str | None, entries: Iterable[str]) -> bool:
    """Whether `ip` is one of `entries` (addresses or CIDR networks); malformed input is never a match."""
    address = _address(ip)
    return address is not None and any(address in network for network in _networks(tuple(entries)))


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR or, behind a trusted proxy, the nearest untrusted X-Forwarded-For hop.

    Walking from the right stops a client from choosing its own address by sending an X-Forwarded-For.
    """
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    proxies = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    if not proxies or not ip_in(remote, proxies):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            return remote  # garbage in the header: trust only what we saw ourselves
        if not ip_in(hop, proxies):
            return hop
    return hops[0] if hops else remote


def _user_id(request: HttpRequest) -> int | str | None:
    """The user's primary key, only if the request already resolved the user (no extra query here)."""
    user: Any = getattr(request, "user", None)
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", empty) is empty:
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    pk: int | str | None = user.pk
    return pk


class RequestContextMiddleware:
    """Binds the request id for logs, audit and problem responses, and writes one access line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
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
            response["X-Request-ID"] = request_id
            self._log(request, response, started, str(channel))
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            context.reset(token)
        return response

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, started: float, channel: str) -> None:
        # The path only: query strings may carry names or ID numbers; the redaction processor is the backstop.
        if response.status_code >= 500:
            log = access_log.warning
        elif request.path in _PROBE_PATHS:
            log = access_log.debug
        else:
            log = access_log.info
        log(
            "request_finished",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            user_id=_user_id(request),
            channel=channel,
        )
        # This line replaces Django's "Not Found: /path" warning, which comes later without the request id.
        # Errors raised by views are still logged by Django, with their traceback and the request id.
        response._has_been_logged = True  # type: ignore[attr-defined]


def _size_label(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.1f} MB"
    return f"{max(1, limit // 1024)} KB"


def payload_too_large(limit: int | None = None) -> errors.PayloadTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    return errors.PayloadTooLarge(f"请求内容过大（上限 {_size_label(limit)}）。" if limit else None)


#: Room for the multipart envelope (boundaries, part headers, small fields) around one upload.
UPLOAD_ENVELOPE_BYTES = 64 * 1024


@lru_cache(maxsize=8)
def _upload_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def upload_limit(request: HttpRequest) -> int | None:
    """SHUZHENG_MAX_UPLOAD_BYTES for multipart posts to a path in SHUZHENG_UPLOAD_PATHS, else None."""
    if request.method not in _BODY_METHODS or _content_type(request) != "multipart/form-data":
        return None
    patterns = _upload_patterns(tuple(getattr(settings, "SHUZHENG_UPLOAD_PATHS", ()) or ()))
    if not any(p.match(request.path) for p in patterns):
        return None
    return int(getattr(settings, "SHUZHENG_MAX_UPLOAD_BYTES", 0)) or None


_JSON_TYPE = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _content_type(request: HttpRequest) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


def _unstorable_parameter(request: HttpRequest) -> errors.ValidationFailed | None:
    """Path and query parameters reach database filters as they are: a NUL there is a PostgreSQL error."""
    if has_unstorable(request.path):
        return errors.ValidationFailed.for_field("path", f"请求地址{UNSTORABLE_MESSAGE}")
    for name, values in request.GET.lists():
        if has_unstorable(name) or any(has_unstorable(value) for value in values):
            shown = printable(name)
            return errors.ValidationFailed.for_field(shown, f"查询参数 {shown} {UNSTORABLE_MESSAGE}")
    return None


def _content_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        return None
    return length if length >= 0 else None


class RequestGuardMiddleware:
    """Rejects oversized bodies (413) and non-JSON API bodies (415) before anything reads or writes.

    Sits before the session, CSRF and view layers so a rejected request costs no query and changes nothing.
    """

    api_prefix = "/api/"
    #: API paths whose views read form and multipart bodies themselves and answer a wrong media type in
    #: their own format (the CKAN Action API: clients post forms, multipart uploads or JSON).
    own_media_prefixes = ("/api/3/", "/api/action/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _content_length(request)
        if length is None:
            return self._reject(request, errors.MalformedRequest("请求头 Content-Length 无效。"))
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        uploads = upload_limit(request)
        if uploads is not None:  # a material upload path: its own, larger limit (plus the envelope)
            if length > uploads + UPLOAD_ENVELOPE_BYTES:
                return self._reject(request, payload_too_large(uploads))
        elif limit is not None and length > limit:
            return self._reject(request, payload_too_large())
        if (
            request.path.startswith(self.api_prefix)
            and not request.path.startswith(self.own_media_prefixes)
            and request.method in _BODY_METHODS
            and length > 0
        ):
            kind = _content_type(request)
            if not (_JSON_TYPE.match(kind) or kind == "multipart/form-data"):
                shown = kind[:80] or "（未指定）"
                detail = (
                    f"不支持的内容类型 {shown}：请使用 application/json（上传文件用 multipart/form-data）。"
                )
                return self._reject(request, errors.UnsupportedMediaType(detail))
        if request.path.startswith(self.api_prefix) and not request.path.startswith(self.own_media_prefixes):
            unstorable = _unstorable_parameter(request)
            if unstorable is not None:
                return self._reject(request, unstorable)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Django turns RequestDataTooBig into a 400; it is a 413 (e.g. a multipart body with huge fields)."""
        if isinstance(exception, RequestDataTooBig):
            return self._reject(request, payload_too_large())
        return None

    @staticmethod
    def _reject(request: HttpRequest, error: errors.ApplicationError) -> HttpResponse:
        from shuzheng.core.views import _respond  # views import the API object; import late

        return _respond(request, error)
