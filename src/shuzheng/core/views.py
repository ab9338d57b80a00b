"""Error pages: HTML for browsers, problem+json for API paths and clients that ask for JSON."""

from __future__ import annotations

import structlog
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shuzheng.core import errors
from shuzheng.core.api import problem_response

logger = structlog.get_logger(__name__)

_BY_STATUS: dict[int, type[errors.ApplicationError]] = {
    400: errors.MalformedRequest,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    500: errors.ApplicationError,
}


class CsrfFailed(errors.PermissionDenied):
    code = "csrf_failed"
    title = "页面已过期，请刷新后重试"


class ServerError(errors.ApplicationError):
    status = 500
    code = "server_error"
    title = "服务器内部错误，请稍后重试"


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith(("/api/", "/open311/")) or ("json" in accept and "html" not in accept)


def _respond(request: HttpRequest, error: errors.ApplicationError) -> HttpResponse:
    if _wants_json(request):
        return problem_response(request, error)
    request_id = getattr(request, "request_id", "")
    context = {"problem": error.to_problem(instance=request.path, request_id=request_id)}
    return render(request, "web/error.html", context, status=error.status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, errors.MalformedRequest())


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, errors.PermissionDenied())


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, errors.NotFound("页面不存在。"))


def server_error(request: HttpRequest) -> HttpResponse:
    return _respond(request, ServerError())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: Django's own page is English and outside the layout; the reason
    (English, technical) goes to the log only."""
    logger.warning("csrf_failed", reason=reason, path=request.path)
    detail = "安全校验未通过：页面可能打开太久，或浏览器禁用了 Cookie。请返回上一页，刷新后重新提交。"
    return _respond(request, CsrfFailed(detail))
