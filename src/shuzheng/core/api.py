"""The one ninja API object; contexts add routers in config/urls. Every error is RFC 9457 problem+json."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from shuzheng.core import errors
from shuzheng.core.schemas import printable

PROBLEM_JSON = "application/problem+json"


def problem_response(request: HttpRequest, error: errors.ApplicationError) -> HttpResponse:
    body = error.to_problem(instance=request.path, request_id=getattr(request, "request_id", ""))
    # A detail may echo what was sent (a field name, say); a lone surrogate there cannot be encoded.
    text = printable(json.dumps(body, ensure_ascii=False))
    return HttpResponse(text, status=error.status, content_type=PROBLEM_JSON)


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form")]
    return ".".join(parts) or "body"


_PYDANTIC_MESSAGES = {
    "missing": "必填项",
    "extra_forbidden": "不允许的字段",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为布尔值",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "json_invalid": "JSON 格式错误",
    "string_type": "应为字符串",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "value_error": "取值无效",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def translate_validation(error: NinjaValidationError) -> errors.ApplicationError:
    field_errors = []
    for item in error.errors:
        kind = item.get("type", "")
        message = _PYDANTIC_MESSAGES.get(kind, "取值无效")
        if kind == "value_error" and item.get("ctx", {}).get("error"):
            message = str(item["ctx"]["error"])
        field = _field_name(list(item.get("loc", [])))
        field_errors.append({"field": field, "message": message, "type": kind})
    if any(e["type"] == "json_invalid" for e in field_errors):
        return errors.MalformedRequest("请求体不是有效的 JSON。", errors=field_errors)
    summary = "；".join(f"{e['field']}：{e['message']}" for e in field_errors[:5])
    return errors.ValidationFailed(f"请求数据有误：{summary}", errors=field_errors)


_INT64 = range(-(2**63), 2**63)


def _beyond_int64(value: Any, path: str) -> str | None:
    """Where in a parameter or decoded JSON value an integer no database column can hold sits, or None."""
    if isinstance(value, str) and value.lstrip("+-").isdigit() and value.isascii():
        value = int(value) if len(value) <= 40 else 2**64  # int() refuses thousands of digits
    if isinstance(value, int) and not isinstance(value, bool):
        return path if value not in _INT64 else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _beyond_int64(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def out_of_range(request: HttpRequest) -> errors.ValidationFailed:
    """A bound no schema states (a 64-bit integer, a column's width), named where it can be found."""
    match = request.resolver_match
    sources: list[Any] = [dict(request.GET.items()), dict(match.kwargs) if match else {}]
    if request.content_type == "application/json":
        with contextlib.suppress(ValueError):
            sources.append(json.loads(request.body))
    field = next((f for f in (_beyond_int64(s, "") for s in sources) if f is not None), "body")
    return errors.ValidationFailed.for_field(printable(field), f"{printable(field)}：超出允许的范围或长度")


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="数政 shuzheng API",
        version="1",
        description=(
            f"{settings.SHUZHENG_CITY_NAME}数字政府平台接口。错误遵循 RFC 9457（application/problem+json）。"
        ),
        urls_namespace="api-v1",
        # No badge from Swagger's public validator: the docs page loads nothing from another host.
        docs=Swagger(settings={"validatorUrl": None}),
    )

    @api.exception_handler(errors.ApplicationError)
    def _application_error(request: HttpRequest, exc: errors.ApplicationError) -> HttpResponse:
        return problem_response(request, exc)

    @api.exception_handler(NinjaValidationError)
    def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem_response(request, translate_validation(exc))

    @api.exception_handler(AuthenticationError)
    def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(request, errors.AuthenticationRequired("请先登录或提供有效的访问令牌。"))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(request, errors.NotFound())

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def _out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
        # SQLite cannot bind an integer beyond 64 bits; PostgreSQL refuses what a column cannot hold.
        return problem_response(request, out_of_range(request))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        from shuzheng.core.middleware import payload_too_large

        return problem_response(request, payload_too_large())

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja 1.7 raises these two itself, in English: an unparsable body (before pydantic sees it,
        # so never "json_invalid") and a failed CSRF check for cookie-authenticated calls.
        message = str(exc)
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            return problem_response(request, errors.MalformedRequest("请求体不是有效的 JSON。"))
        if exc.status_code == 403 and "CSRF" in message:
            csrf = errors.PermissionDenied("安全校验（CSRF）未通过，请刷新页面后重试。", code="csrf_failed")
            return problem_response(request, csrf)
        by_status: dict[int, type[errors.ApplicationError]] = {
            400: errors.MalformedRequest,
            401: errors.AuthenticationRequired,
            403: errors.PermissionDenied,
            404: errors.NotFound,
            409: errors.Conflict,
            413: errors.PayloadTooLarge,
            415: errors.UnsupportedMediaType,
            429: errors.RateLimited,
        }
        cls = by_status.get(exc.status_code, errors.ApplicationError)
        return problem_response(request, cls())

    return api


api = build_api()
