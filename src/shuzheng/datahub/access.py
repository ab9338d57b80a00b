"""The data service: reads of mounted tables under a grant, masked, rate-limited and logged.

Credentials travel as ``Authorization: Bearer <client_id>:<secret>``. A query names the fields it
wants (default: all granted), filters on granted fields (``field=value``, ``field__gte``, ``__lte``,
``__in`` (comma separated), ``__contains``), sorts by one granted field (``sort=field`` or
``sort=-field``) and pages with an opaque cursor. Values are converted to the column's type and bound
as parameters; anything else is a 422 naming the parameter. A field the grant masks can be neither
filtered nor sorted on (the rows matched or their order would give its clear values away), and a cursor
is a signed row id only, so it never carries a value.

Every read writes one AccessLog row (append-only) plus one AccessSubject row per person returned (the
blind index of the ID number), so "which departments read the record of ID X" is one indexed lookup.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q, prefetch_related_objects
from django.utils import timezone

from shuzheng.core import context
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import (
    AuthenticationRequired,
    MalformedRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from shuzheng.core.masking import mask_address, mask_id_number, mask_mobile, mask_name
from shuzheng.core.rate_windows import count_this_minute
from shuzheng.datahub import credentials, loading, tables
from shuzheng.datahub.models import (
    AccessLog,
    AccessSubject,
    ApiCredential,
    CatalogEntry,
    DataItem,
    DataType,
    EntryStatus,
    Grant,
    MaskingKind,
)

if TYPE_CHECKING:
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department

#: Who reads: a person (anonymous at a public endpoint), or nobody when a credential calls (the log then
#: names whoever it was issued to).
Reader: TypeAlias = "User | AnonymousUser | None"

MAX_LIMIT: Final = 100
DEFAULT_LIMIT: Final = 20
RESERVED_PARAMS: Final = frozenset({"fields", "sort", "cursor", "limit", "purpose"})
LOOKUPS: Final = ("gte", "lte", "in", "contains")
MAX_IN: Final = 100


def is_masked(item: DataItem) -> bool:
    """Personal data is never shown in clear without a grant for it, even with no masking kind set."""
    return item.is_personal or item.masking != MaskingKind.NONE


def hash_secret(secret: str) -> str:
    """Keyed SM3 (HMAC with the platform's index key) of a client secret."""
    return blind_index(secret)


MASKED_USES: Final = {"filter": "用作查询条件", "sort": "用于排序"}


def masked_refusal(item: DataItem, use: str, *, clear: bool = False) -> str | None:
    """Why a field cannot be filtered or sorted on, or None: a masked field's clear values would leak
    through the rows matched or their order. The one rule of the data service and CKAN datastore."""
    if clear or not is_masked(item):
        return None
    return f"字段“{item.label}”已脱敏，不能{MASKED_USES[use]}"


def mask_value(item: DataItem, value: Any) -> Any:
    if value is None or not is_masked(item):
        return value
    if item.masking == MaskingKind.NONE:
        return "******"
    text = str(value)
    if item.masking == MaskingKind.NAME:
        return mask_name(text)
    if item.masking == MaskingKind.ID_NUMBER:
        return mask_id_number(text)
    if item.masking == MaskingKind.MOBILE:
        return mask_mobile(text)
    if item.masking == MaskingKind.ADDRESS:
        return mask_address(text)
    return "*" * min(len(text), 8)


# --- credentials ----------------------------------------------------------------------------------------


def parse_authorization(header: str) -> tuple[str, str]:
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or ":" not in token:
        raise AuthenticationRequired(
            "请在请求头中提供凭证：Authorization: Bearer <client_id>:<secret>", code="credential_missing"
        )
    client_id, _, secret = token.strip().partition(":")
    return client_id, secret


def identify(header: str) -> ApiCredential:
    """The credential named by the header, its secret checked; 401 unknown or wrong secret."""
    client_id, secret = parse_authorization(header)
    credential = credentials.credential_by_client_id(client_id[:40])
    if credential is None or not hmac.compare_digest(credential.secret_hash, hash_secret(secret)):
        raise AuthenticationRequired("凭证无效（客户端标识或密钥错误）", code="credential_invalid")
    return credential


def check_valid(credential: ApiCredential) -> None:
    """401 expired, 403 revoked or not yet in force."""
    now = timezone.now()
    grant = credential.grant
    if credential.revoked_at is not None or grant.revoked_at is not None:
        raise PermissionDenied("凭证或授权已被撤销", code="credential_revoked")
    if credential.expires_at <= now or grant.valid_until < timezone.localdate():
        raise AuthenticationRequired("凭证已过期，请重新申请授权", code="credential_expired")
    if grant.valid_from > timezone.localdate():
        raise PermissionDenied("授权尚未生效", code="grant_not_started")


def check_rate(credential: ApiCredential) -> None:
    """A fixed one-minute window per credential in the cache; over the limit → 429."""
    if count_this_minute("datahub:rate", credential.client_id) > credential.rate_limit_per_minute:
        raise RateLimited(
            f"调用过于频繁：每分钟最多 {credential.rate_limit_per_minute} 次，请稍后再试", code="rate_limited"
        )


# --- queries --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    entry: CatalogEntry
    fields: list[str]
    rows: list[dict[str, Any]]
    next_cursor: str | None
    masked_fields: list[str]
    log_id: int


_CURSOR_ERROR: Final = "分页游标无效，请从第一页重新开始。"


def _cursor_salt(entry: CatalogEntry, sort_param: str) -> str:
    return f"datahub.cursor:{entry.pk}:{sort_param}"


def _encode_cursor(entry: CatalogEntry, sort_param: str, row_id: int) -> str:
    """The last row's id, signed for this entry and order: opaque, and no field value inside."""
    return signing.dumps(row_id, salt=_cursor_salt(entry, sort_param))


def _decode_cursor(entry: CatalogEntry, sort_param: str, cursor: str) -> int:
    try:
        row_id = signing.loads(cursor, salt=_cursor_salt(entry, sort_param))
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise MalformedRequest(_CURSOR_ERROR, code="invalid_cursor") from exc
    if type(row_id) is not int:
        raise MalformedRequest(_CURSOR_ERROR, code="invalid_cursor")
    return row_id


def _typed(item: DataItem, raw: str, param: str) -> Any:
    if item.data_type == DataType.STRING:
        return raw
    try:
        value = loading.convert(item, raw)
    except ValueError as exc:
        raise ValidationFailed.for_field(param, f"参数 {param}：{exc}") from exc
    if value is None:
        raise ValidationFailed.for_field(param, f"参数 {param} 不能为空")
    return value


def _filters(
    params: dict[str, str], items: dict[str, DataItem], granted: list[str], *, clear: bool, lookup_key: str
) -> tuple[Q, dict[str, str]]:
    condition = Q()
    used: dict[str, str] = {}
    not_granted: list[str] = []
    masked: list[str] = []
    for param, raw in params.items():
        if param in RESERVED_PARAMS:
            continue
        name, _, lookup = param.partition("__")
        if lookup and lookup not in LOOKUPS:
            raise ValidationFailed.for_field(
                param, f"不支持的查询条件 {param}（可用：__gte、__lte、__in、__contains）"
            )
        item = items.get(name)
        if item is None:
            raise ValidationFailed.for_field(param, f"“{name[:40]}”不是本资源的字段", code="unknown_field")
        if name not in granted:
            not_granted.append(item.label)
            continue
        if param != lookup_key and masked_refusal(item, "filter", clear=clear):
            masked.append(item.label)
            continue
        if len(raw) > 1000:
            raise ValidationFailed.for_field(param, f"参数 {param} 过长")
        if lookup == "in":
            parts = [p for p in raw.split(",") if p != ""]
            if not parts or len(parts) > MAX_IN:
                raise ValidationFailed.for_field(param, f"参数 {param} 应为 1–{MAX_IN} 个以逗号分隔的值")
            condition &= Q(**{f"{name}__in": [_typed(item, p, param) for p in parts]})
        elif lookup == "contains":
            if item.data_type != DataType.STRING:
                raise ValidationFailed.for_field(param, f"__contains 只能用于字符串字段（{name}）")
            condition &= Q(**{f"{name}__contains": raw})
        else:
            django_lookup = f"{name}__{lookup}" if lookup else name
            condition &= Q(**{django_lookup: _typed(item, raw, param)})
        used[param] = str(mask_value(item, raw))[:200]
    if not_granted:
        raise PermissionDenied(
            f"未获授权的字段不能用作查询条件：{'、'.join(dict.fromkeys(not_granted))}",
            code="field_not_granted",
        )
    if masked:
        raise PermissionDenied(
            f"已脱敏的字段不能用作查询条件：{'、'.join(dict.fromkeys(masked))}", code="field_masked"
        )
    return condition, used


def _after(sort: str, descending: bool, value: Any, row_id: int) -> Q:
    """Rows after (value, row_id) in the order (sort NULLS LAST, _row_id), both ascending or descending."""
    cmp, id_cmp = ("lt", "lt") if descending else ("gt", "gt")
    if value is None:
        return Q(**{f"{sort}__isnull": True, f"_row_id__{id_cmp}": row_id})
    return (
        Q(**{f"{sort}__{cmp}": value})
        | Q(**{sort: value, f"_row_id__{id_cmp}": row_id})
        | Q(**{f"{sort}__isnull": True})
    )


@dataclass(frozen=True)
class Fetched:
    fields: list[str]
    rows: list[dict[str, Any]]
    next_cursor: str | None
    masked_fields: list[str]
    filters: dict[str, str]
    subjects: set[str]


def fetch_rows(
    *, entry: CatalogEntry, granted: list[str], clear: bool, params: dict[str, str], lookup_key: str = ""
) -> Fetched:
    """The query itself, without logging: fields, filters, sort and keyset paging over ``granted``.
    ``lookup_key`` names the one masked field an internal lookup may match exactly (its caller already
    holds the key, e.g. the applicant's own ID number); nobody may filter or sort on other masked ones."""
    if not entry.is_mounted_table:
        raise NotFound("该资源未挂接库表，不能通过数据服务查询")
    items = {i.name: i for i in entry.items.all() if i.mounted}
    granted = [f for f in granted if f in items]
    wanted_raw = params.get("fields", "")
    if wanted_raw:
        wanted = list(dict.fromkeys(f.strip() for f in wanted_raw.split(",") if f.strip()))
        unknown = [f for f in wanted if f not in items]
        if unknown:
            shown = "、".join(u[:40] for u in unknown[:10])
            raise ValidationFailed.for_field("fields", f"字段不存在：{shown}", code="unknown_field")
        refused = [f for f in wanted if f not in granted]
        if refused:
            shown = "、".join(items[f].label for f in refused)
            raise PermissionDenied(f"未获授权的字段：{shown}", code="field_not_granted")
    else:
        wanted = granted
    condition, used_filters = _filters(params, items, granted, clear=clear, lookup_key=lookup_key)
    sort_param = params.get("sort", "").strip()
    descending = sort_param.startswith("-")
    sort = sort_param.lstrip("-") or tables.ROW_ID
    if sort != tables.ROW_ID:
        if sort not in items:
            raise ValidationFailed.for_field("sort", f"“{sort[:40]}”不是本资源的字段", code="unknown_field")
        if sort not in granted:
            raise PermissionDenied(
                f"未获授权的字段不能用于排序：{items[sort].label}", code="field_not_granted"
            )
        refusal = masked_refusal(items[sort], "sort", clear=clear)
        if refusal:
            raise PermissionDenied(refusal, code="field_masked")
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
    except ValueError:
        raise ValidationFailed.for_field("limit", "limit 应为整数") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.for_field("limit", f"每页条数应在 1 到 {MAX_LIMIT} 之间")
    model = tables.build_model(entry)
    qs = model.objects.filter(condition)
    id_order = f"-{tables.ROW_ID}" if descending else tables.ROW_ID
    if sort == tables.ROW_ID:
        qs = qs.order_by(id_order)
    else:
        column = F(sort).desc(nulls_last=True) if descending else F(sort).asc(nulls_last=True)
        qs = qs.order_by(column, id_order)
    cursor = params.get("cursor", "")
    if cursor:
        row_id = _decode_cursor(entry, sort_param, cursor)
        if sort == tables.ROW_ID:
            qs = qs.filter(**{f"_row_id__{'lt' if descending else 'gt'}": row_id})
        else:
            last = model.objects.filter(**{tables.ROW_ID: row_id}).values_list(sort, flat=True)
            if not last:
                raise MalformedRequest("游标所指的行已不存在，请从第一页重新开始。", code="invalid_cursor")
            qs = qs.filter(_after(sort, descending, last[0], row_id))
    columns = list(dict.fromkeys([tables.ROW_ID, *wanted, *([sort] if sort != tables.ROW_ID else [])]))
    subject_items = [i for i in items.values() if i.masking == MaskingKind.ID_NUMBER and i.name in granted]
    columns += [i.name for i in subject_items if i.name not in columns]
    fetched = list(qs.values(*columns)[: limit + 1])
    page = fetched[:limit]
    next_cursor = None
    if len(fetched) > limit:
        next_cursor = _encode_cursor(entry, sort_param, page[-1][tables.ROW_ID])
    masked_fields = [] if clear else [f for f in wanted if is_masked(items[f])]
    rows = []
    subjects: set[str] = set()
    for raw in page:
        row: dict[str, Any] = {"_row_id": raw[tables.ROW_ID]}
        for name in wanted:
            value = raw[name]
            row[name] = tables.json_value(value if clear else mask_value(items[name], value))
        rows.append(row)
        for item in subject_items:
            if raw.get(item.name):
                subjects.add(blind_index(str(raw[item.name])))
    filters = {**used_filters, **({"sort": sort_param} if sort_param else {})}
    return Fetched(wanted, rows, next_cursor, masked_fields, filters, subjects)


def query_rows(
    *,
    entry: CatalogEntry,
    grant: Grant,
    params: dict[str, str],
    credential: ApiCredential | None = None,
    user: Reader = None,
    channel: str = AccessLog.Channel.DATA_SERVICE,
    purpose: str = "",
    lookup_key: str = "",
) -> QueryResult:
    """Rows of a mounted entry as the grant allows: only granted fields, masked unless the grant allows
    clear text; one AccessLog row per call."""
    result = fetch_rows(
        entry=entry,
        granted=list(grant.fields),
        clear=grant.allow_clear_text,
        params=params,
        lookup_key=lookup_key,
    )
    log = _log(
        entry=entry,
        grant=grant,
        credential=credential,
        user=user,
        channel=channel,
        fields=result.fields,
        filters=result.filters,
        rows=len(result.rows),
        masked=not grant.allow_clear_text,
        subjects=result.subjects,
        purpose=purpose,
    )
    return QueryResult(
        entry=entry,
        fields=result.fields,
        rows=result.rows,
        next_cursor=result.next_cursor,
        masked_fields=result.masked_fields,
        log_id=log.pk,
    )


_LOG_SQL: Final = (
    "WITH log AS ("
    " INSERT INTO datahub_accesslog (at, entry_id, department_id, user_id, credential_id, grant_id,"
    " channel, fields, purpose, filters, rows_returned, masked, request_id, refusal)"
    " VALUES (statement_timestamp(), %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s::jsonb, %s, %s, %s, %s)"
    " RETURNING id, at"
    "), subjects AS ("
    " INSERT INTO datahub_accesssubject (log_id, key_index)"
    " SELECT log.id, k FROM log, unnest(%s::text[]) AS k"
    ") SELECT id, at FROM log"
)


def _insert_log(values: dict[str, Any], subjects: list[str]) -> AccessLog:
    """The access log row and its subjects: one statement on PostgreSQL (atomic by itself, one round trip
    instead of BEGIN, two INSERTs and COMMIT); a transaction with two INSERTs elsewhere."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            log = AccessLog.objects.create(**values)
            if subjects:
                AccessSubject.objects.bulk_create([AccessSubject(log=log, key_index=k) for k in subjects])
        return log
    user = values["user"]
    params = [
        values["entry"].pk,
        values["department_id"],
        user.pk if user is not None else None,
        values["credential"].pk if values["credential"] is not None else None,
        values["grant"].pk if values["grant"] is not None else None,
        values["channel"],
        json.dumps(values["fields"], cls=DjangoJSONEncoder, ensure_ascii=False),
        values["purpose"],
        json.dumps(values["filters"], cls=DjangoJSONEncoder, ensure_ascii=False),
        values["rows_returned"],
        values["masked"],
        values["request_id"],
        values["refusal"],
        subjects,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_LOG_SQL, params)
        log_id, at = cursor.fetchone()
    return AccessLog(id=log_id, at=at, **values)


def _log(
    *,
    entry: CatalogEntry,
    grant: Grant | None,
    credential: ApiCredential | None,
    user: Reader,
    channel: str,
    fields: list[str],
    filters: dict[str, Any],
    rows: int,
    masked: bool,
    subjects: set[str],
    purpose: str = "",
    refusal: str = "",
) -> AccessLog:
    """One access, by a person or by a credential (the log names whoever it was issued to)."""
    if user is None and credential is not None:
        user = credential.created_by
    values = {
        "entry": entry,
        "grant": grant,
        "credential": credential,
        "department_id": grant.department_id if grant is not None else getattr(user, "department_id", None),
        "user": user if getattr(user, "is_authenticated", False) else None,
        "channel": channel,
        "fields": fields,
        "purpose": (f"{grant.purpose}；{purpose}" if purpose else grant.purpose)[:500]
        if grant is not None
        else purpose,
        "filters": filters,
        "rows_returned": rows,
        "masked": masked,
        "request_id": str(context.current().request_id or "")[:64],
        "refusal": refusal[:200],
    }
    log = _insert_log(values, sorted(subjects))
    # At most one write a minute per credential (the cached copy's own last_used_at is not kept fresh).
    if credential is not None and cache.add(f"datahub:used:{credential.client_id}", 1, timeout=60):
        ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=log.at)
    return log


def data_service_query(*, authorization: str, entry_code: str, params: dict[str, str]) -> QueryResult:
    """The HTTP data service: authenticate, rate-limit, resolve the entry, check the grant, query, log.
    A refusal (403) of a known credential is logged too: who tried what, and why it was refused."""
    credential = identify(authorization)
    # The credential's query already brought its grant's entry: use it (one round trip less per call)
    # and only look the requested code up to tell an unknown entry from one not granted.
    entry = credential.grant.entry
    try:
        check_valid(credential)
        check_rate(credential)
        if entry.code != entry_code or entry.status != EntryStatus.PUBLISHED:
            requested = CatalogEntry.objects.filter(code=entry_code, status=EntryStatus.PUBLISHED).first()
            if requested is None:
                raise NotFound(f"数据资源“{entry_code[:64]}”不存在")
            entry = requested
            raise PermissionDenied("该凭证未获此资源的授权", code="entry_not_granted")
        prefetch_related_objects([entry], "items")
        return query_rows(entry=entry, grant=credential.grant, params=params, credential=credential)
    except PermissionDenied as refused:
        _log(
            entry=entry,
            grant=credential.grant,
            credential=credential,
            user=None,
            channel=AccessLog.Channel.DATA_SERVICE,
            fields=[],
            filters={},
            rows=0,
            masked=not credential.grant.allow_clear_text,
            subjects=set(),
            refusal=refused.detail or refused.title,
        )
        raise


def active_grant(*, department: Any, entry: CatalogEntry) -> Grant | None:
    today = timezone.localdate()
    return (
        Grant.objects.filter(
            department=department,
            entry=entry,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-id")
        .first()
    )


def base_registry_lookup(
    *, caller_department: Department | None, entry_code: str, key: str, purpose: str, user: Reader = None
) -> dict[str, Any] | None:
    """One record of a base registry (or any mounted entry with a key item) by its key, for another
    context (form prefill, 免填写). Needs an active grant of the caller's department; masked unless the
    grant allows clear text; logged like any data-service read. None when no row matches."""
    entry = (
        CatalogEntry.objects.prefetch_related("items")
        .filter(code=entry_code, status=EntryStatus.PUBLISHED)
        .first()
    )
    if entry is None:
        raise NotFound(f"数据资源“{entry_code[:64]}”不存在")
    if caller_department is None:
        raise PermissionDenied("调用方须属于某个部门")
    grant = active_grant(department=caller_department, entry=entry)
    if grant is None:
        raise PermissionDenied(f"“{caller_department.name}”没有“{entry.name}”的有效共享授权", code="no_grant")
    keys = [i for i in entry.items.all() if i.is_key and i.mounted]
    if not keys:
        raise NotFound("该资源没有检索键")
    if keys[0].name not in grant.fields:
        raise PermissionDenied("授权不含检索键字段，不能按键查询", code="field_not_granted")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationFailed.for_field("purpose", "请说明查询用途")
    result = query_rows(
        entry=entry,
        grant=grant,
        params={
            keys[0].name: str(key).strip().upper()
            if keys[0].masking == MaskingKind.ID_NUMBER
            else str(key).strip(),
            "limit": "1",
        },
        user=user,
        channel=AccessLog.Channel.REGISTRY,
        purpose=purpose,
        lookup_key=keys[0].name,
    )
    return result.rows[0] if result.rows else None
