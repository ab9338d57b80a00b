"""Reads of the audit chain, limited to the caller's data scope for `identity.view_auditevent`.

An event belongs to its actor's department (actor_department): department grants match it, division
grants match the department's division, `self` grants match one's own events. System and anonymous
events have no department, so only an `all` scope (or a superuser) sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from shuzheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.scopes import data_scope_for

VIEW_PERMISSION = "identity.view_auditevent"
ORDER = ("-seq",)


@dataclass(frozen=True)
class AuditEventFilters:
    action: str = ""  # prefix, e.g. "cases." or "cases.case.accept"
    actor: str = ""  # the actor's username as recorded
    subject_type: str = ""
    subject_id: str = ""
    date_from: date | None = None  # local dates, both inclusive
    date_to: date | None = None


def audit_event_queryset(*, user: Any) -> QuerySet[AuditEvent]:
    """Every event the user may see; empty for a user without the permission in any role."""
    scope = data_scope_for(user, VIEW_PERMISSION)
    return scope.filter(
        AuditEvent.objects.all(),
        department="actor_department",
        division="actor_department__division",
        owner="actor",
    )


def _require_permission(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied("没有查看审计事件的权限。")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _apply(queryset: QuerySet[AuditEvent], filters: AuditEventFilters) -> QuerySet[AuditEvent]:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed.for_field("date_to", "结束日期不能早于开始日期")
    if filters.action:
        queryset = queryset.filter(action__startswith=filters.action)
    if filters.actor:
        queryset = queryset.filter(actor_label=filters.actor)
    if filters.subject_type:
        queryset = queryset.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        queryset = queryset.filter(subject_id=filters.subject_id)
    if filters.date_from:
        queryset = queryset.filter(occurred_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(occurred_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    return queryset


def audit_event_list(
    *,
    user: Any,
    filters: AuditEventFilters | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AuditEvent]:
    """Newest first, keyset-paginated on seq; raises PermissionDenied without the view permission."""
    _require_permission(user)
    queryset = _apply(audit_event_queryset(user=user), filters or AuditEventFilters())
    return keyset_page(queryset, order=ORDER, cursor=cursor, limit=limit)


def audit_event_get(*, user: Any, seq: int) -> AuditEvent:
    """One event; outside the user's scope it does not exist (404), so seqs cannot be probed."""
    _require_permission(user)
    event = audit_event_queryset(user=user).filter(seq=seq).first()
    if event is None:
        raise NotFound()
    return event
