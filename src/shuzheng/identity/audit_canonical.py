"""The canonical bytes of an audit event: what its Merkle leaf hashes and what a proof carries.

* a JSON object with exactly these keys: ``seq, occurred_at, actor_id, actor_label,
  actor_department_id, role, channel, action, subject_type, subject_id, before, after, ip,
  request_id`` (`CANONICAL_FIELDS`);
* ``occurred_at`` as UTC ISO 8601 with microseconds and a ``Z`` suffix
  (``2026-03-01T02:03:04.000005Z``); ids are integers or null; ``ip`` is the stored form or null;
* ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)``,
  encoded as UTF-8.

The leaf hash is SM3(0x00 || these bytes) (audit_merkle). Changing this form orphans every sealed
tree, so tests pin it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from shuzheng.identity.models import AuditEvent

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


class AuditPayloadError(TypeError):
    """before/after (or another field) cannot be stored in the audit log as given."""


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


def canonical_json(data: dict[str, Any]) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_bytes(event: AuditEvent) -> bytes:
    return canonical_json(canonical_dict(event))
