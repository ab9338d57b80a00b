"""Open311 GeoReport v2 at ``/open311/v2/``: services are the active appeal categories, service requests
are appeals (``service_request_id`` is the appeal number).

Per the specification: the format is the extension (``.json`` or ``.xml``, UTF-8, XML with its
declaration), date-times are ISO 8601 with an offset (Asia/Shanghai), statuses are ``open``/``closed``,
and errors are a list of ``{code, description}`` (XML ``<errors><error>…``) with the HTTP status in
``code``. ``POST requests`` needs an ``api_key`` (a personal API key of a user allowed to register
appeals, ``appeals.intake_appeal``) and goes through the ordinary intake service — rules, classifier,
merge proposals and audit — with channel ``open311``; a rejected request creates nothing. Reads are
public and never show reporter data; 举报 (reports of wrongdoing) are not listed at all.

What a read shows depends on the reporter's consent (``Appeal.publish_consent``, asked on every intake
form, default no; ``attribute[publish_consent]=true`` on POST): with it, the description with names,
phone and ID numbers and the given address masked (``core.masking``), the address down to the village and the
coordinates; without it, only the category, the town (镇街), the status, the responsible agency and the
dates — ``description``, ``lat``/``long`` and ``media_url`` are empty and ``address`` is the town name.

How a report is placed in a division (the appeal's required ``division``), first that applies:
``attribute[division_code]``; ``address_id`` (our address ids are GB/T 2260 division codes); the deepest
division of the city whose name occurs in ``address_string``; the town nearest to ``lat``/``long``.

Tokens: requests are created synchronously, so the answer carries the ``service_request_id`` at once and
also a ``token`` (the number, signed), which ``tokens/{token}`` resolves for clients that follow tokens.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from django.conf import settings
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from shuzheng.appeals import geo
from shuzheng.appeals.constants import AppealChannel, AppealStatus, AppealType
from shuzheng.appeals.models import Appeal, Category
from shuzheng.appeals.selectors import appeals as appeal_selectors
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.appeals.selectors import public as public_selectors
from shuzheng.appeals.selectors import stats as stats_selectors
from shuzheng.appeals.services.intake import IntakeInput, appeal_intake
from shuzheng.core import calendar, context
from shuzheng.core.constants import Channel
from shuzheng.core.errors import ApplicationError, ValidationFailed
from shuzheng.core.masking import mask_address, mask_free_text
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.services.api_keys import api_key_authenticate
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

if TYPE_CHECKING:
    from shuzheng.orgs.models import Division

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
INTAKE_PERM = "appeals.intake_appeal"
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
MAX_IDS = 200
TOKEN_SALT = "shuzheng.appeals.open311.token"  # noqa: S105 - a signing salt, not a secret
#: Child element names of XML lists (the element of the list → the element of each item).
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
ATTRIBUTES = ("appeal_type", "division_code", "publish_consent")
CONSENT_VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": False}
#: Our field names (in ValidationFailed errors) → the Open311 parameter a client sent.
PARAMS = {
    "text": "description",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "reporter_phone": "phone",
    "reporter_name": "first_name",
    "division_code": "attribute[division_code]",
    "appeal_type": "attribute[appeal_type]",
    "category_code": "service_code",
}
#: Characters XML 1.0 cannot carry (control characters other than tab, newline and carriage return).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """An answer in Open311's error format: a list of {code, description}; ``code`` is the HTTP status."""

    def __init__(self, status: int, *descriptions: str, allow: str = "") -> None:
        self.status = status
        self.allow = allow
        self.descriptions = list(descriptions) or ["请求有误"]
        super().__init__("；".join(self.descriptions))


# --- rendering ---------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(calendar.OFFICE_TZ).isoformat(timespec="seconds") if value else None


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_value(element, XML_ITEMS.get(tag, "item"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_INVALID.sub("", str(value))


def _xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _xml_value(element, XML_ITEMS[root], item)
    else:
        for key, value in data.items():
            _xml_value(element, key, value)
    return ET.tostring(element, encoding="UTF-8", xml_declaration=True)


def _render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = _xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    data = [{"code": error.status, "description": d} for d in error.descriptions]
    response = _render(fmt, "errors", data, status=error.status)
    if error.allow:
        response["Allow"] = error.allow
    return response


def _endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open311 errors in the requested format for every failure, including our own application errors."""

    def wrapper(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any) -> HttpResponse:
        try:
            jurisdiction = (
                request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
            ).strip()
            if jurisdiction and jurisdiction != settings.SHUZHENG_APPEAL_CITY_DIVISION:
                raise Open311Error(404, f"jurisdiction_id：未知的管辖区“{jurisdiction[:40]}”")
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc)
        except ValidationFailed as exc:
            return _error(fmt, Open311Error(400, *_validation_messages(exc)))
        except ApplicationError as exc:
            status = exc.status if exc.status in (400, 403, 404, 409, 413) else 400
            return _error(fmt, Open311Error(status, exc.detail))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


def _validation_messages(exc: ValidationFailed) -> list[str]:
    if not exc.errors:
        return [exc.detail]
    return [
        f"{PARAMS.get(e.get('field', ''), e.get('field', ''))}：{e.get('message', '')}" for e in exc.errors
    ]


def _only(request: HttpRequest, *methods: str) -> None:
    if request.method == "HEAD" and "GET" in methods:
        return
    if request.method not in methods:
        raise Open311Error(
            405, f"不支持 {request.method} 方法（可用：{'、'.join(methods)}）", allow=", ".join(methods)
        )


# --- shaping -----------------------------------------------------------------------------------------------


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": category.keywords.replace("，", ","),
        "group": category.parent.name if category.parent_id and category.parent else category.name,
    }


def _public_text(appeal: Appeal) -> str:
    """The text with the reporter's name, the exact address given, names, phone and ID numbers masked."""
    text = appeal.text
    if appeal.address:
        text = text.replace(appeal.address, mask_address(appeal.address))
    return mask_free_text(text, names=[appeal.reporter_name])


def _request(appeal: Appeal, towns: dict[str, Division]) -> dict[str, Any]:
    """One service request as Open311 shows it: never reporter name, phone or account; the text and the
    exact place only with the reporter's consent (see the module docstring)."""
    closed = appeal_selectors.public_status(appeal) == "closed"
    town = stats_selectors.town_of(appeal.division, towns)
    public = appeal.publish_consent
    return {
        "service_request_id": appeal.number,
        "status": "closed" if closed else "open",
        "status_notes": AppealStatus(appeal.status).label,
        "service_name": appeal.category.name if appeal.category else None,
        "service_code": appeal.category.code if appeal.category else None,
        "description": _public_text(appeal) if public else None,
        "agency_responsible": appeal.department.name if appeal.department else None,
        "service_notice": f"承诺办理期限：{_iso(appeal.due_at)}" if appeal.due_at and not closed else "",
        "requested_datetime": _iso(appeal.received_at),
        "updated_datetime": _iso(appeal.updated_at),
        "expected_datetime": _iso(appeal.due_at),
        "address": (mask_address(appeal.address) or appeal.division.name) if public else town.name,
        "address_id": appeal.division.code if public else town.code,
        "zipcode": None,
        "lat": float(appeal.latitude) if public and appeal.latitude is not None else None,
        "long": float(appeal.longitude) if public and appeal.longitude is not None else None,
        "media_url": None,
    }


def _token(number: str) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign(number)


# --- endpoints ---------------------------------------------------------------------------------------------


@_endpoint
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Service discovery: where the GeoReport v2 endpoint is and what it speaks."""
    _only(request, "GET")
    data = {
        "changeset": CHANGESET,
        "contact": f"{settings.SHUZHENG_CITY_NAME}12345政务服务便民热线：拨打12345",
        "key_service": "API 密钥由平台管理员签发（shuzheng issue-api-key）",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _render(fmt, "discovery", data)


@_endpoint
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET services: the active categories."""
    _only(request, "GET")
    return _render(fmt, "services", [_service(c) for c in dispatch_selectors.category_list()])


def _division_values() -> list[dict[str, str]]:
    city = settings.SHUZHENG_APPEAL_CITY_DIVISION
    levels = (DivisionLevel.TOWN, DivisionLevel.VILLAGE)
    rows = orgs_selectors.division_queryset(under=city).filter(level__in=levels).order_by("path")
    return [{"key": d.code, "name": d.name} for d in rows]


@_endpoint
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    """GET services/{code}: the attributes a request of this service may carry."""
    _only(request, "GET")
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code：服务“{code[:40]}”不存在或已停用")
    data = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "appeal_type",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "诉求类型，默认“求助”",
                "order": 1,
                "description": "诉求类型",
                "values": [{"key": k, "name": str(v)} for k, v in AppealType.choices],
            },
            {
                "variable": True,
                "code": "publish_consent",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "诉求人是否同意公开诉求内容（人名、电话、证件号脱敏），默认不同意",
                "order": 3,
                "description": "同意公开诉求内容",
                "values": [{"key": "false", "name": "不同意（默认）"}, {"key": "true", "name": "同意"}],
            },
            {
                "variable": True,
                "code": "division_code",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "所在镇街或村居的行政区划代码；不填时按地址或经纬度确定",
                "order": 2,
                "description": "所在镇街/村居",
                "values": _division_values(),
            },
        ],
    }
    return _render(fmt, "service_definition", data)


def _dates(request: HttpRequest) -> tuple[datetime, datetime]:
    def parse(name: str, *, end: bool) -> datetime | None:
        raw = (request.GET.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = parse_datetime(raw)
            day = None if value else parse_date(raw)
        except ValueError:
            value = day = None
        if value is None and day is not None:
            value = datetime.combine(day, time.max if end else time.min)
        if value is None:
            raise Open311Error(
                400, f"{name}：日期时间“{raw[:40]}”格式无效，应为 ISO 8601，如 2026-03-01T00:00:00+08:00"
            )
        return value if timezone.is_aware(value) else value.replace(tzinfo=calendar.OFFICE_TZ)

    since, until = parse("start_date", end=False), parse("end_date", end=True)
    if since is None and until is None:
        until = timezone.now()
    try:
        if since is None:
            assert until is not None
            since = until - MAX_SPAN
        if until is None:
            until = since + MAX_SPAN
    except OverflowError:
        raise Open311Error(400, "start_date / end_date 超出可处理的日期范围") from None
    if since > until:
        raise Open311Error(400, "start_date 不能晚于 end_date")
    if until - since > MAX_SPAN + timedelta(days=1):
        raise Open311Error(400, "start_date 与 end_date 的跨度不能超过90天")
    return since, until


def _list_param(request: HttpRequest, name: str) -> list[str]:
    return [v.strip() for raw in request.GET.getlist(name) for v in raw.split(",") if v.strip()]


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    numbers = _list_param(request, "service_request_id")
    if numbers:
        if len(numbers) > MAX_IDS:
            raise Open311Error(400, f"service_request_id 一次最多{MAX_IDS}个")
        appeals = public_selectors.public_request_list(numbers=numbers)
        towns = stats_selectors.towns_by_path()
        return _render(fmt, "service_requests", [_request(a, towns) for a in appeals])
    statuses = _list_param(request, "status")
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise Open311Error(400, f"status：无效的状态“{bad[0][:20]}”，应为 open 或 closed")
    codes = _list_param(request, "service_code")
    if codes:
        known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(404, f"service_code：服务“{unknown[0][:40]}”不存在")
    since, until = _dates(request)
    appeals = public_selectors.public_request_list(
        category_codes=codes, statuses=statuses, since=since, until=until, limit=MAX_RESULTS
    )
    towns = stats_selectors.towns_by_path()
    return _render(fmt, "service_requests", [_request(a, towns) for a in appeals])


def _field(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) or "").replace("\x00", "").strip()


def _division_for(request: HttpRequest, attributes: dict[str, str]) -> str:
    """The division code of a new request (see the module docstring for the order)."""
    if attributes.get("division_code"):
        return attributes["division_code"]
    if _field(request, "address_id"):
        return _field(request, "address_id")
    city = orgs_selectors.divisions_by_code([settings.SHUZHENG_APPEAL_CITY_DIVISION]).get(
        settings.SHUZHENG_APPEAL_CITY_DIVISION
    )
    within = city.path if city else f"/{settings.SHUZHENG_APPEAL_CITY_DIVISION}/"
    address = _field(request, "address_string")
    if address:
        named = [
            d
            for d in orgs_selectors.division_queryset(under=within).exclude(
                code=settings.SHUZHENG_APPEAL_CITY_DIVISION
            )
            if d.name and d.name in address
        ]
        towns = [d for d in named if d.level == DivisionLevel.TOWN]
        if towns:  # a village name counts only inside a town the address names (names repeat across towns)
            named = [d for d in named if any(d.path.startswith(t.path) for t in towns)]
        if named:
            return max(named, key=lambda d: (d.path.count("/"), len(d.name))).code
    lat, lng = _field(request, "lat"), _field(request, "long")
    if lat and lng:
        try:
            town = geo.nearest_town(float(lat), float(lng), within_path=within)
        except ValueError:
            town = None  # appeal_validate names the bad coordinate
        if town is not None:
            return town.code
        return city.code if city else ""
    raise Open311Error(
        400,
        "无法确定诉求所在镇街：请提供 lat/long、address_string（含镇街或村居名称）、"
        "address_id 或 attribute[division_code]",
    )


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    user = api_key_authenticate(_field(request, "api_key") or request.GET.get("api_key", ""))
    if user is None:
        if not (_field(request, "api_key") or request.GET.get("api_key")):
            raise Open311Error(403, "api_key：未提供 API 密钥")
        raise Open311Error(403, "api_key：API 密钥无效、已撤销或已过期")
    if not user.has_perm(INTAKE_PERM):
        raise Open311Error(403, f"api_key：该密钥的账号没有登记诉求的权限{missing_permission(INTAKE_PERM)}")
    missing = [name for name in ("service_code", "description") if not _field(request, name)]
    located = (_field(request, "lat") and _field(request, "long")) or any(
        _field(request, n) for n in ("address_string", "address_id", "attribute[division_code]")
    )
    if not located:
        missing.append("lat/long、address_string 或 address_id（至少一项）")
    if missing:
        raise Open311Error(400, *[f"{name}：必填" for name in missing])
    code = _field(request, "service_code")
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code：服务“{code[:40]}”不存在或已停用")
    attributes: dict[str, str] = {}
    for key in request.POST:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if key.startswith("attribute") and (match is None or match.group(1) not in ATTRIBUTES):
            raise Open311Error(400, f"{key[:60]}：该服务没有这个属性（可用：{'、'.join(ATTRIBUTES)}）")
        if match:
            attributes[match.group(1)] = (request.POST.get(key) or "").strip()
    media = _field(request, "media_url")
    if media and (urlparse(media).scheme not in ("http", "https") or len(media) > 500):
        raise Open311Error(400, "media_url：应为 http(s) 地址，且不超过500个字符")
    text = _field(request, "description") + (f"\n现场图片：{media}" if media else "")
    first, last = _field(request, "first_name"), _field(request, "last_name")
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in first + last)
    name = f"{last}{first}" if cjk else " ".join(p for p in (first, last) if p)
    consent = attributes.get("publish_consent", "").lower()
    if consent not in CONSENT_VALUES:
        raise Open311Error(400, "attribute[publish_consent]：应为 true 或 false")
    intake_data = IntakeInput(
        channel=AppealChannel.OPEN311,
        appeal_type=attributes.get("appeal_type") or AppealType.HELP,
        text=text,
        division_code=_division_for(request, attributes),
        category_code=category.code,
        latitude=_field(request, "lat") or None,
        longitude=_field(request, "long") or None,
        address=_field(request, "address_string"),
        reporter_name=name,
        reporter_phone=_field(request, "phone"),
        publish_consent=CONSENT_VALUES[consent],
    )
    token = context.bind(channel=Channel.API)
    try:
        appeal = appeal_intake(actor=user, data=intake_data)
    finally:
        context.reset(token)
    notice = f"已受理，诉求编号 {appeal.number}"
    if appeal.due_at:
        notice += f"，承诺办理期限 {_iso(appeal.due_at)}"
    data = [
        {
            "service_request_id": appeal.number,
            "token": _token(appeal.number),
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return _render(fmt, "service_requests", data, status=201)


@_endpoint
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET requests (public, filtered) and POST requests (create, API key)."""
    _only(request, "GET", "POST")
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


@_endpoint
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    """GET requests/{id}: one request, as a list of one (per the specification)."""
    _only(request, "GET")
    appeal = public_selectors.public_requests().filter(number=request_id.strip()).first()
    if appeal is None:
        raise Open311Error(404, f"service_request_id：诉求“{request_id[:40]}”不存在")
    return _render(fmt, "service_requests", [_request(appeal, stats_selectors.towns_by_path())])


@_endpoint
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    """GET tokens/{token}: the service_request_id a token stands for."""
    _only(request, "GET")
    try:
        number = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise Open311Error(404, "token：令牌无效") from None
    if not public_selectors.public_requests().filter(number=number).exists():
        raise Open311Error(404, "token：令牌对应的诉求不存在")
    return _render(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@_endpoint
def not_found(request: HttpRequest, *, fmt: str) -> HttpResponse:
    raise Open311Error(
        404, "没有这个 Open311 资源：请使用 discovery、services、requests、tokens，并以 .json 或 .xml 结尾"
    )


def _fmt_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    return not_found(request, fmt="xml" if path.endswith(".xml") else "json")


FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, service_list, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, service_definition, name="open311-service"),
    re_path(r"^requests" + FMT, requests, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, request_detail, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, token_detail, name="open311-token"),
    re_path(r"^(?P<path>.*)$", csrf_exempt(_fmt_not_found)),
]
