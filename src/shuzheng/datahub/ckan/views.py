"""The CKAN Action API endpoint: ``/api/3/action/<name>`` (and ``/api/action/<name>``, which ckanapi uses).

GET (query string) and POST (JSON body, form or multipart with an ``upload``; a POST without a body
may carry its parameters in the query string). Every answer is CKAN's envelope
``{"help": ..., "success": ..., "result": ...}``; failures carry ``error`` with CKAN's ``__type`` and HTTP
status: "Not Found Error" 404, "Authorization Error" 403, "Validation Error" 409 (messages per field),
"Search Query Error" 400, "Bad Request" 400 for unknown actions and unreadable bodies.

Publishers authenticate with a personal API key (``shuzheng issue-api-key``) in the ``Authorization``
header, as CKAN clients send it, or in ``X-CKAN-API-Key``. A key that is sent must be valid, even for reads.
Writes run in one transaction: when any part fails nothing is changed.
"""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import quote

import structlog
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from shuzheng.core import errors
from shuzheng.core.schemas import UNSTORABLE_MESSAGE, unstorable_path
from shuzheng.datahub import export
from shuzheng.datahub.ckan.actions import ACTIONS
from shuzheng.datahub.ckan.common import Call, SearchQueryError, absolute
from shuzheng.datahub.models import OpenDataset, OpenResource
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.identity.services.api_keys import api_key_authenticate

log = structlog.get_logger(__name__)

_JSON_TYPES: Final = ("application/json", "text/json")
_FORM_TYPES: Final = ("multipart/form-data", "application/x-www-form-urlencoded")
#: Conflicts raised by services, reported as Validation Errors under these fields.
_CONFLICT_FIELDS: Final = {"not_openable": "catalog_entry", "generated_resource": "id"}


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _envelope(request: HttpRequest, name: str) -> dict[str, Any]:
    url = absolute(request, reverse("ckan-action", args=["help_show"]))
    return {"help": f"{url}?name={quote(name[:100])}"}


def _respond(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _failure(request: HttpRequest, name: str, status: int, error: dict[str, Any]) -> JsonResponse:
    return _respond({**_envelope(request, name), "success": False, "error": error}, status)


def _mixed(query: Any) -> dict[str, Any]:
    """A QueryDict as CKAN reads it: one value as a string, several as a list."""
    return {key: values[0] if len(values) == 1 else values for key, values in query.lists()}


def _request_data(request: HttpRequest) -> dict[str, Any]:
    """The parameters: the query string, overridden by those of the body (JSON, form or multipart)."""
    if request.method == "GET":
        return _mixed(request.GET)
    return {**_mixed(request.GET), **_body_data(request)}


def _body_data(request: HttpRequest) -> dict[str, Any]:
    kind = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    body_length = int(request.META.get("CONTENT_LENGTH") or 0)
    if body_length == 0 and not request.body:
        return {}
    if kind in _FORM_TYPES:
        try:
            data = _mixed(request.POST)
        except MultiPartParserError as exc:
            raise BadRequest(f"无法解析 multipart 请求体：{str(exc)[:200]}") from exc
        values = list(data.values())
        if kind != "multipart/form-data" and len(data) == 1 and values[0] in ("", "1"):
            # a JSON document posted as a form ("curl -d '{...}'"), as CKAN accepts it
            data = _json_dict(next(iter(data)).encode())
        data.update(request.FILES.dict())
        return data
    if kind in _JSON_TYPES or kind == "" or kind.endswith("+json"):
        return _json_dict(request.body)
    raise BadRequest(
        f"不支持的内容类型 {kind[:80]}：请使用 application/json（上传文件用 multipart/form-data）", 415
    )


def _json_dict(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"请求体不是有效的 UTF-8 JSON：{str(exc)[:200]}") from exc
    if not isinstance(data, dict):
        raise BadRequest("请求体应为 JSON 对象（参数名: 值）")
    return data


def _api_key(request: HttpRequest) -> str:
    raw = request.headers.get("Authorization", "") or request.headers.get("X-CKAN-API-Key", "")
    raw = raw.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    return raw


def _error(exc: errors.ApplicationError) -> tuple[int, dict[str, Any]]:
    detail = str(exc.detail or exc.title)
    if isinstance(exc, errors.NotFound):
        return 404, {"__type": "Not Found Error", "message": f"Not found: {detail}"}
    if isinstance(exc, errors.PermissionDenied | errors.AuthenticationRequired):
        return 403, {"__type": "Authorization Error", "message": f"Access denied: {detail}"}
    if isinstance(exc, SearchQueryError):
        return 400, {"__type": "Search Query Error", "message": f"Search Query is invalid: {detail}"}
    if isinstance(exc, errors.ValidationFailed) and exc.errors:
        fields: dict[str, Any] = {}
        for item in exc.errors:
            fields.setdefault(str(item.get("field") or "message"), []).append(
                str(item.get("message") or detail)
            )
        return 409, {"__type": "Validation Error", **fields}
    if isinstance(exc, errors.ValidationFailed | errors.Conflict):
        field = _CONFLICT_FIELDS.get(exc.code, "message")
        return 409, {"__type": "Validation Error", field: [detail]}
    if isinstance(exc, errors.PayloadTooLarge):
        return 413, {"__type": "Bad Request", "message": detail}
    if isinstance(exc, errors.RateLimited):
        return 429, {"__type": "Bad Request", "message": detail}
    return 400, {"__type": "Bad Request", "message": detail}


@csrf_exempt
def action(request: HttpRequest, name: str) -> HttpResponse:
    spec = ACTIONS.get(name)
    if spec is None:
        return _failure(
            request,
            name,
            400,
            {"__type": "Bad Request", "message": f"Bad request - 未知的接口：{name[:100]}"},
        )
    if request.method not in {"GET", "POST"}:
        return _failure(request, name, 405, {"__type": "Bad Request", "message": "请使用 GET 或 POST"})
    if request.method == "GET" and spec.write:
        return _failure(
            request, name, 400, {"__type": "Bad Request", "message": "该接口会修改数据，请使用 POST 请求"}
        )
    try:
        data = _request_data(request)
    except BadRequest as exc:
        return _failure(request, name, exc.status, {"__type": "Bad Request", "message": exc.message})
    data.pop("callback", None)
    where = unstorable_path(data)
    if where is not None:  # PostgreSQL text cannot hold a NUL: refuse it here, once for every action
        status, error = _error(errors.ValidationFailed.for_field(where, f"参数 {where} {UNSTORABLE_MESSAGE}"))
        return _failure(request, name, status, error)
    user = None
    key = _api_key(request)
    if key:
        user = api_key_authenticate(key)
        if user is None:
            return _failure(
                request,
                name,
                403,
                {"__type": "Authorization Error", "message": "Access denied: API 密钥无效、已吊销或已过期"},
            )
    if spec.write and user is None:
        return _failure(
            request,
            name,
            403,
            {
                "__type": "Authorization Error",
                "message": "Access denied: 该操作需要发布者的 API 密钥（请求头 Authorization）",
            },
        )
    call = Call(request=request, user=user, data=data)
    try:
        if spec.write:
            with transaction.atomic():
                result = spec.function(call)
        else:
            result = spec.function(call)
    except errors.ApplicationError as exc:
        status, error = _error(exc)
        return _failure(request, name, status, error)
    except (OpenDataset.DoesNotExist, OpenResource.DoesNotExist):
        return _failure(request, name, 404, {"__type": "Not Found Error", "message": "Not found"})
    except IntegrityError:  # a concurrent write took the same name first; the transaction rolled back
        log.warning("ckan.integrity_error", action=name)
        return _failure(
            request,
            name,
            409,
            {"__type": "Validation Error", "message": ["与已有数据冲突（如数据集标识重复），未作任何修改"]},
        )
    return _respond({**_envelope(request, name), "success": True, "result": result})


@require_GET
def version(request: HttpRequest) -> HttpResponse:
    return _respond({"version": 3})


@require_GET
def resource_file(request: HttpRequest, package_id: int, resource_id: int, filename: str) -> HttpResponseBase:
    """CKAN's download address of a resource: an uploaded file, or the CSV/XLSX/JSON generated from the
    table (masked like every open-data download). External links redirect."""
    resource = (
        OpenResource.objects.select_related("dataset")
        .filter(pk=resource_id, dataset_id=package_id, dataset__state=OpenDataset.State.ACTIVE)
        .first()
    )
    if resource is None:
        return HttpResponse("资源不存在", status=404, content_type="text/plain; charset=utf-8")
    response: HttpResponseBase
    if resource.file:
        if not resource.file.storage.exists(resource.file.name):
            return HttpResponse("文件不存在", status=404, content_type="text/plain; charset=utf-8")
        response = FileResponse(
            resource.file.open("rb"),
            as_attachment=True,
            filename=resource.file.name.rsplit("/", 1)[-1],
            content_type="application/octet-stream",
        )
    elif resource.url:
        return HttpResponseRedirect(resource.url)
    else:
        content, content_type, name = export.resource_export(resource)
        open_data_services.resource_download_record(resource=resource)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
