"""Pieces every appeals read shares: the caller's data scope, related rows, the SLA badge and filter,
the loose full-text search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from shuzheng.appeals import sla
from shuzheng.appeals.models import Appeal, WorkOrder
from shuzheng.core import calendar, fulltext
from shuzheng.core.errors import PermissionDenied
from shuzheng.identity.scopes import DataScope, data_scope_for

VIEW_PERM = "appeals.view_appeal"


STATS_PERM = "appeals.view_appeal_stats"


APPEAL_ORDER = ("-received_at", "-id")


QUEUE_ORDER = ("received_at", "id")


WORK_ORDER_ORDER = ("dispatched_at", "id")


REQUEST_ORDER = ("requested_at", "id")


VISIT_ORDER = ("replied_at", "id")


def authenticated(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")


def scope_for(user: Any, perm: str) -> DataScope:
    authenticated(user)
    return data_scope_for(user, perm)


def appeal_scope(user: Any, perm: str = VIEW_PERM) -> QuerySet[Appeal]:
    return scope_for(user, perm).filter(
        Appeal.objects.all(), department="department", division="division", owner="created_by"
    )


def appeal_related(qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return qs.select_related("category", "division", "department", "work_order", "grid")


@dataclass(frozen=True)
class SlaInfo:
    state: str
    label: str
    due_at: datetime | None
    remaining_hours: float | None
    working_days: str = ""


def sla_info(
    due_at: datetime | None,
    *,
    done_at: datetime | None = None,
    now: datetime | None = None,
    cal: calendar.WorkingCalendar | None = None,
) -> SlaInfo:
    """The deadline badge; with ``cal`` (pages) also the working days left or overdue."""
    now = now or timezone.now()
    state = sla.sla_state(due_at, now, done_at=done_at)
    remaining = (
        None if due_at is None or done_at is not None else round((due_at - now).total_seconds() / 3600, 1)
    )
    return SlaInfo(
        state=state,
        label=sla.SLA_LABELS[state],
        due_at=due_at,
        remaining_hours=remaining,
        working_days=sla.working_days_text(due_at, now, done_at=done_at, cal=cal) if cal else "",
    )


def sla_filter(qs: QuerySet[Any], sla_state: str | None, field: str = "due_at") -> QuerySet[Any]:
    now = timezone.now()
    if sla_state == "overdue":
        return qs.filter(**{f"{field}__lt": now})
    if sla_state == "warning":
        warn = now + timedelta(hours=settings.SHUZHENG_APPEAL_WARNING_HOURS)
        return qs.filter(**{f"{field}__gte": now, f"{field}__lte": warn})
    return qs


def work_order_related(qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return qs.select_related("appeal", "appeal__division", "lead_department", "category")


def loose_search(doc_type: str, text: str, *, limit: int) -> list[int]:
    """Full-text ids for free text typed by an agent: all words of two or more characters first; when
    that finds nothing, each word alone, ranked by how many words hit (so "我的身份证丢了" still finds
    the article on 身份证 without requiring "我" and "的")."""
    words = list(dict.fromkeys(alts[0] for alts in fulltext.query_terms(text) if len(alts[0]) >= 2))[:6]
    if not words:
        return []
    ids = fulltext.search(doc_type, " ".join(words), limit=limit)
    if ids or len(words) == 1:
        return [int(i) for i in ids]
    score: dict[str, int] = {}
    for word in words:
        for rank, doc_id in enumerate(fulltext.search(doc_type, word, limit=limit)):
            score[doc_id] = score.get(doc_id, 0) + 100 - min(rank, 99)
    return [int(i) for i in sorted(score, key=lambda k: -score[k])[:limit]]
