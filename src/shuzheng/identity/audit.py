"""The audit chain writer: every event is one link, hash = SM3(prev_hash || canonical JSON).

Registered with `shuzheng.core.audit.register_writer` in `IdentityConfig.ready()`, so services call
`shuzheng.core.audit.record(...)` and never this module directly.

Canonical serialisation (`canonical_bytes`) — `verify_chain` recomputes it byte for byte:

* a JSON object with exactly these keys: ``seq, occurred_at, actor_id, actor_label,
  actor_department_id, role, channel, action, subject_type, subject_id, before, after, ip,
  request_id`` (`CANONICAL_FIELDS`);
* ``occurred_at`` as UTC ISO 8601 with microseconds and a ``Z`` suffix
  (``2026-03-01T02:03:04.000005Z``); ids are integers or null; ``ip`` is the stored form or null;
* ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``,
  encoded as UTF-8;
* ``hash = sm3_hex(prev_hash.encode("ascii") + canonical_bytes)``; the first event's prev_hash is
  64 zeros (`GENESIS_HASH`); ``seq`` starts at 1 and has no gaps.

`before` / `after` are snapshots chosen by the caller. They are stored as given and shown to
auditors as stored, so callers must not put clear personal data (ID numbers, mobile numbers,
addresses) in them — use masked values or the blind index. They must be JSON: dicts with string
keys, lists, strings, finite numbers, booleans and null; anything else is refused.

Concurrency: the single `AuditChainHead` row is locked with SELECT ... FOR UPDATE and moved in the
same transaction as the insert, so two transactions can never append to the same tip. SQLite has no
row locks; its IMMEDIATE transaction mode (settings) serialises writers instead.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from shuzheng.core import context
from shuzheng.core.crypto import sm3_hex
from shuzheng.identity.models import AuditArchive, AuditChainHead, AuditEvent, RoleAssignment

GENESIS_HASH = "0" * 64
HEAD_ID = 1

CANONICAL_FIELDS: tuple[str, ...] = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_department_id",
    "role",
    "channel",
    "action",
    "subject_type",
    "subject_id",
    "before",
    "after",
    "ip",
    "request_id",
)

# Python writes floats at or above 1e16 in exponent form, PostgreSQL's jsonb gives them back as integers.
_FLOAT_EXPONENT_LIMIT = 1e16


class AuditPayloadError(TypeError):
    """before/after (or another field) cannot be stored in the audit chain as given."""


# --- canonical form -------------------------------------------------------------------------------


def format_occurred_at(value: datetime) -> str:
    if timezone.is_naive(value):
        raise AuditPayloadError("occurred_at must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": format_occurred_at(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_department_id": event.actor_department_id,
        "role": event.role,
        "channel": event.channel,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": event.before,
        "after": event.after,
        "ip": event.ip or None,
        "request_id": event.request_id,
    }


def canonical_bytes(event: AuditEvent) -> bytes:
    data = canonical_dict(event)
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return sm3_hex(prev_hash.encode("ascii") + canonical_bytes(event))


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
    if actor is None:
        return None, "system", None, role
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return None, "anonymous", None, role
    department_id = actor.department_id if getattr(actor, "is_staff_member", False) else None
    if not role:
        codes = RoleAssignment.objects.filter(user_id=actor.pk).values_list("role__code", flat=True)
        role = ",".join(sorted(set(codes)))
    return actor, actor.get_username(), department_id, role


# --- the chain head -------------------------------------------------------------------------------


def ensure_chain_head(*, using: str = "default") -> None:
    """Create the head row if it is missing, pointing at the last event (or archive, or genesis).

    The migration creates it; `post_migrate` calls this again so a flushed test database gets it
    back. INSERT ... ON CONFLICT DO NOTHING: when a concurrent writer inserted it first, this waits
    for that transaction and then leaves its row alone.
    """
    seq, tip = 0, GENESIS_HASH
    last_event = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
    last_archive = (
        AuditArchive.objects.using(using).order_by("-last_seq").values_list("last_seq", "last_hash").first()
    )
    if last_event is not None:
        seq, tip = last_event
    elif last_archive is not None:
        seq, tip = last_archive
    AuditChainHead.objects.using(using).bulk_create(
        [AuditChainHead(pk=HEAD_ID, seq=seq, hash=tip)], ignore_conflicts=True
    )


def ensure_chain_head_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (also sent after `flush`); skipped when identity is migrated to zero."""
    if AuditChainHead._meta.db_table in connections[using].introspection.table_names():
        ensure_chain_head(using=using)


def _locked_head() -> AuditChainHead:
    """The chain tip, locked for this transaction."""
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is not None:
        return head
    ensure_chain_head()
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)


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
    """Append one event after the current tip, inside the caller's transaction.

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

    with transaction.atomic():
        head = _locked_head()
        event = AuditEvent(
            seq=head.seq + 1,
            # Taken under the lock, so time never runs backwards along the chain.
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
            prev_hash=head.hash,
        )
        event.hash = compute_hash(head.hash, event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=HEAD_ID).update(seq=event.seq, hash=event.hash)
    return event


# --- verification ---------------------------------------------------------------------------------

VERIFY_BATCH = 2000


class Problem:
    """Why a link is broken; stable codes for callers, Chinese text for people."""

    HASH_MISMATCH = "hash_mismatch"
    PREV_HASH_MISMATCH = "prev_hash_mismatch"
    GAP = "gap"
    TAIL_MISSING = "tail_missing"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    first_seq: int | None
    last_seq: int | None
    head_hash: str
    # Verification started after this archive (its last_seq / last_hash), if any.
    archived_through: int | None = None
    broken_seq: int | None = None
    problem: str = ""
    detail: str = ""

    def summary(self) -> str:
        """The Chinese one-liner `audit-verify` prints."""
        if not self.ok:
            return f"审计链断裂：第一处断点在 #{self.broken_seq}，{self.detail}"
        archived = f"（#{self.archived_through} 及以前已归档）" if self.archived_through else ""
        if self.count == 0:
            return f"审计链完整：共 0 条事件{archived}，链头哈希 {self.head_hash}"
        return (
            f"审计链完整：共 {self.count} 条事件，首条 #{self.first_seq}，末条 #{self.last_seq}"
            f"{archived}，链头哈希 {self.head_hash}"
        )


def verify_chain(
    *, batch_size: int = VERIFY_BATCH, progress: Callable[[int], object] | None = None
) -> VerifyResult:
    """Walk the live chain in seq order, in keyset batches, and report the first broken link.

    Starts after the latest AuditArchive (its last_seq / last_hash) or at genesis. Only events up
    to the chain head read at the start are checked, so writers appending meanwhile do not count
    as breaks; the head itself must point at the last event (catches a deleted tail).
    `progress(n)` is called after each batch with the number of events just checked.
    """
    archive = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", "last_hash").first()
    start_seq, expected_prev = archive if archive is not None else (0, GENESIS_HASH)
    head = AuditChainHead.objects.filter(pk=HEAD_ID).values_list("seq", "hash").first()

    events = AuditEvent.objects.order_by("seq")
    if head is not None:
        events = events.filter(seq__lte=head[0])

    count = 0
    first_seq: int | None = None
    last_seq = start_seq
    last_hash = expected_prev

    def broken(seq: int, problem: str, detail: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            count=count,
            first_seq=first_seq,
            last_seq=last_seq if count else None,
            head_hash=last_hash,
            archived_through=archive[0] if archive else None,
            broken_seq=seq,
            problem=problem,
            detail=detail,
        )

    while True:
        batch = list(events.filter(seq__gt=last_seq)[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.seq != last_seq + 1:
                return broken(
                    last_seq + 1, Problem.GAP, f"缺少事件：应为 #{last_seq + 1}，实际下一条为 #{event.seq}"
                )
            if event.prev_hash != last_hash:
                return broken(
                    event.seq,
                    Problem.PREV_HASH_MISMATCH,
                    f"前一哈希不符：记录为 {event.prev_hash}，前一条事件的哈希为 {last_hash}",
                )
            recomputed = compute_hash(event.prev_hash, event)
            if recomputed != event.hash:
                return broken(
                    event.seq,
                    Problem.HASH_MISMATCH,
                    f"哈希不符：记录为 {event.hash}，按内容重新计算为 {recomputed}（事件内容被改动）",
                )
            first_seq = event.seq if first_seq is None else first_seq
            last_seq, last_hash = event.seq, event.hash
            count += 1
        if progress is not None:
            progress(len(batch))

    if head is not None and (head[0], head[1]) != (last_seq, last_hash):
        return broken(
            last_seq + 1,
            Problem.TAIL_MISSING,
            f"链头记录为 #{head[0]}（{head[1]}），但现存事件只到 #{last_seq}：末尾事件缺失",
        )
    return VerifyResult(
        ok=True,
        count=count,
        first_seq=first_seq,
        last_seq=last_seq if count else None,
        head_hash=last_hash,
        archived_through=archive[0] if archive else None,
    )


def chain_length_hint() -> int:
    """Events expected by `verify_chain` (head seq minus archived), for a progress bar; no COUNT(*)."""
    head_seq = AuditChainHead.objects.filter(pk=HEAD_ID).values_list("seq", flat=True).first() or 0
    archived = AuditArchive.objects.order_by("-last_seq").values_list("last_seq", flat=True).first() or 0
    return max(head_seq - archived, 0)
