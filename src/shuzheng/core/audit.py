"""The audit port every service calls. identity registers the writer (the sealed Merkle log) at start-up,
so contexts below identity (orgs) can audit without importing it."""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from shuzheng.core.actors import Actor


class AuditWriter(Protocol):
    def __call__(
        self,
        *,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> Any: ...


_writer: AuditWriter | None = None


def register_writer(writer: AuditWriter) -> None:
    global _writer
    _writer = writer


def record(
    *,
    actor: Actor,
    action: str,
    subject: Model | None = None,
    subject_type: str = "",
    subject_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Any:
    """Append one event to the audit log inside the caller's transaction (sealed after commit).

    `action` is "<context>.<entity>.<verb>" (e.g. "orgs.department.create"); `before`/`after` are
    JSON-serialisable snapshots without clear-text personal data.
    """
    if _writer is None:
        raise ImproperlyConfigured("no audit writer registered; is shuzheng.identity installed?")
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or str(subject.pk)
    return _writer(
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=before,
        after=after,
    )
