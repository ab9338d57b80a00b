"""The audit writer: append one event in the caller's transaction, taking nothing but its id.

Registered with `shuzheng.core.audit.register_writer` in `IdentityConfig.ready()`, so services call
`shuzheng.core.audit.record(...)` and never this module directly.

No shared row is locked: the event gets its database id (seq) and nothing else, so concurrent
business transactions never wait on each other here. The sealer (audit_seal) later puts committed
events into the signed Merkle tree; see docs/decisions/0002-audit-merkle-log.md.

`before` / `after` are snapshots chosen by the caller. They are stored as given and shown to
auditors as stored, so callers must not put clear personal data (ID numbers, mobile numbers,
addresses) in them — use masked values or the blind index. They must be JSON: dicts with string
keys, lists, strings, finite numbers, booleans and null; anything else is refused.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shuzheng.core import context
from shuzheng.core.actors import is_system
from shuzheng.identity import authz
from shuzheng.identity.audit_canonical import AuditPayloadError
from shuzheng.identity.audit_seal import seal_soon
from shuzheng.identity.models import AuditEvent, RoleAssignment

# Python writes floats at or above 1e16 in exponent form, PostgreSQL's jsonb gives them back as integers.
_FLOAT_EXPONENT_LIMIT = 1e16


# --- input checks ---------------------------------------------------------------------------------


def normalise_json(value: Any, *, field: str, path: str = "") -> Any:
    """A copy of `value` that survives a JSON round trip on SQLite and PostgreSQL unchanged."""
    where = f"{field}{path}"
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str) and "\x00" in value:
            raise AuditPayloadError(f"审计快照 {where} 含有 NUL 字符，无法保存")
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditPayloadError(f"审计快照 {where} 不是有限数值（NaN/Infinity 不是 JSON）")
        if value.is_integer() and abs(value) >= _FLOAT_EXPONENT_LIMIT:
            return int(value)
        return value + 0.0  # -0.0 becomes 0.0: numeric has no negative zero
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str) or "\x00" in key:
                raise AuditPayloadError(f"审计快照 {where} 的键 {key!r} 不是字符串或含有 NUL 字符")
            out[key] = normalise_json(item, field=field, path=f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [normalise_json(item, field=field, path=f"{path}[{i}]") for i, item in enumerate(value)]
    raise AuditPayloadError(
        f"审计快照 {where} 的类型 {type(value).__name__} 不能序列化为 JSON；"
        "请先转换为字符串或数字（日期用 ISO 8601，金额用字符串）"
    )


def _max_length(field: str) -> int | None:
    limit: int | None = getattr(AuditEvent._meta.get_field(field), "max_length", None)
    return limit


def _bounded(value: str, *, field: str) -> str:
    limit = _max_length(field)
    if limit is not None and len(value) > limit:
        raise AuditPayloadError(f"审计字段 {field} 超过 {limit} 个字符：{value[:limit]}…")
    return value


def _clip(value: str, *, field: str) -> str:
    limit = _max_length(field)
    return value[:limit] if limit is not None else value


def _stored_ip(ip: str | None) -> str | None:
    """The IP as the database will give it back (Django cleans IPv6 before saving)."""
    if not ip:
        return None
    try:
        ipaddress.ip_address(ip)
        stored: str = AuditEvent._meta.get_field("ip").to_python(ip)
        return stored
    except (ValueError, ValidationError):  # a garbled REMOTE_ADDR must not stop the audited write
        return None


# --- actor ----------------------------------------------------------------------------------------


def _actor_facts(actor: Any, *, role: str) -> tuple[Any, str, int | None, str]:
    """(user or None, label, department id, role) for an actor that may be None or anonymous.

    `role` is the one the request acts in (core.context); without one, the actor's role codes.
    """
    if actor is None or is_system(actor):
        return None, "system", None, role
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return None, "anonymous", None, role
    department_id = actor.department_id if getattr(actor, "is_staff_member", False) else None
    if not role:
        # The request's authorization snapshot knows them when a permission was checked already (one
        # query less per audited write); else they are read.
        codes = getattr(getattr(actor, authz.MEMO, None), "roles", None)
        if codes is None:
            codes = RoleAssignment.objects.filter(user_id=actor.pk).values_list("role__code", flat=True)
        role = ",".join(sorted(set(codes)))
    return actor, actor.get_username(), department_id, role


# --- the writer -----------------------------------------------------------------------------------


def write_event(
    *,
    actor: Any,
    action: str,
    subject_type: str,
    subject_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    """Append one event inside the caller's transaction (a single INSERT).

    Raises `AuditPayloadError` (and writes nothing) when before/after are not plain JSON or a field
    is too long.
    """
    if not action:
        raise AuditPayloadError("审计事件缺少 action")
    action = _bounded(action, field="action")
    subject_type = _bounded(subject_type or "", field="subject_type")
    subject_id = _bounded("" if subject_id is None else str(subject_id), field="subject_id")
    before = normalise_json(before, field="before")
    after = normalise_json(after, field="after")
    ctx = context.current()
    user, label, department_id, role = _actor_facts(actor, role=ctx.role)

    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=user,
        actor_label=_clip(label, field="actor_label"),
        actor_department_id=department_id,
        role=_clip(role, field="role"),
        channel=_clip(ctx.channel or "", field="channel"),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=before,
        after=after,
        ip=_stored_ip(ctx.ip),
        request_id=_clip(ctx.request_id or "", field="request_id"),
    )
    event.save(force_insert=True)
    if settings.AUDIT_SEAL_AFTER_COMMIT:
        transaction.on_commit(seal_soon)
    return event
