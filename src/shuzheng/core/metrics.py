"""Prometheus exposition at /metrics, for the scraper only.

Metrics reveal traffic, error rates and URL names, so the page is served to the addresses in
METRICS_ALLOWED_IPS (single addresses or CIDR networks) or to a bearer of SHUZHENG_METRICS_TOKEN.
A request relayed by a reverse proxy (it carries X-Forwarded-For / Forwarded / X-Real-IP) is never
trusted by address: behind nginx on the same host every visitor would otherwise look like 127.0.0.1.
"""

from __future__ import annotations

import hmac

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView

from shuzheng.core import errors
from shuzheng.core.api import problem_response
from shuzheng.core.middleware import client_ip, ip_in

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
log = structlog.get_logger(__name__)


def _token_ok(request: HttpRequest) -> bool:
    expected = getattr(settings, "METRICS_TOKEN", "")
    if not expected:
        return False
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def metrics_allowed(request: HttpRequest) -> bool:
    if _token_ok(request):
        return True
    if any(h in request.META for h in _PROXY_HEADERS):
        return False
    return ip_in(request.META.get("REMOTE_ADDR"), getattr(settings, "METRICS_ALLOWED_IPS", []))


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        # Probe paths log at DEBUG; a refused scrape is worth a warning (misconfigured scraper or a probe).
        log.warning("metrics_access_denied", client_ip=client_ip(request))
        return problem_response(request, errors.PermissionDenied("无权访问监控指标。"))
    response: HttpResponse = ExportToDjangoView(request)
    return response
