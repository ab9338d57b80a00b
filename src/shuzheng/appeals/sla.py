"""Time limits (办理时限) of appeals.

- Working days per type (settings.SHUZHENG_APPEAL_SLA_DAYS; 咨询 1, 求助 3, 投诉/举报 13, 建议 15), or the
  category's own ``sla_days``; counted with ``core.calendar`` (holidays and make-up workdays) and due at
  the close of office hours of the last day.
- 紧急 / 特急 appeals run on clock hours (SHUZHENG_APPEAL_URGENT_HOURS / _CRITICAL_HOURS), day and night.
- 表扬 (praise) has no limit.
- 中小微企业 fast-response track (``is_enterprise``): every limit shrinks to
  SHUZHENG_APPEAL_ENTERPRISE_PERCENT (default 50 %), rounded up, at least one working day or one hour.

Warning and overdue are derived at query time from ``due_at`` (see ``sla_state``), never set by a timer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from shuzheng.appeals.constants import AppealType, Urgency
from shuzheng.core import calendar

DEFAULT_DAYS = {
    AppealType.CONSULT: 1,
    AppealType.HELP: 3,
    AppealType.COMPLAINT: 13,
    AppealType.REPORT: 13,
    AppealType.SUGGESTION: 15,
}


@dataclass(frozen=True)
class Limit:
    working_days: int | None = None
    hours: int | None = None
    basis: str = ""

    @property
    def is_none(self) -> bool:
        return self.working_days is None and self.hours is None


def _shrink(value: int) -> int:
    percent = settings.SHUZHENG_APPEAL_ENTERPRISE_PERCENT
    return max(1, math.ceil(value * percent / 100))


def limit_for(*, appeal_type: str, urgency: str, category_days: int | None, is_enterprise: bool) -> Limit:
    """The time limit of an appeal (see the module docstring for the rules)."""
    if appeal_type == AppealType.PRAISE:
        return Limit(basis="表扬类不设时限")
    if urgency in (Urgency.URGENT, Urgency.CRITICAL):
        hours = (
            settings.SHUZHENG_APPEAL_CRITICAL_HOURS
            if urgency == Urgency.CRITICAL
            else settings.SHUZHENG_APPEAL_URGENT_HOURS
        )
        label = "特急" if urgency == Urgency.CRITICAL else "紧急"
        if is_enterprise:
            return Limit(hours=_shrink(hours), basis=f"{label}·企业快速响应 {_shrink(hours)} 小时")
        return Limit(hours=hours, basis=f"{label} {hours} 小时")
    configured = {**DEFAULT_DAYS, **settings.SHUZHENG_APPEAL_SLA_DAYS}
    days = category_days if category_days else configured.get(appeal_type)
    if days is None:
        return Limit(basis="未设时限")
    source = "分类时限" if category_days else "类型时限"
    if is_enterprise:
        return Limit(working_days=_shrink(days), basis=f"{source}·企业快速响应 {_shrink(days)} 个工作日")
    return Limit(working_days=days, basis=f"{source} {days} 个工作日")


def due_at(received_at: datetime, limit: Limit) -> datetime | None:
    if limit.hours is not None:
        return received_at + timedelta(hours=limit.hours)
    if limit.working_days is not None:
        return calendar.deadline_at(received_at, limit.working_days)
    return None


def extend(due: datetime | None, working_days: int) -> datetime | None:
    """A due time moved by ``working_days`` working days (same clock time)."""
    if due is None:
        return None
    local = due.astimezone(calendar.OFFICE_TZ)
    new_day = calendar.add_working_days(local.date(), working_days)
    return local.replace(year=new_day.year, month=new_day.month, day=new_day.day)


def sla_state(due: datetime | None, now: datetime, *, done_at: datetime | None = None) -> str:
    """ "none" (no limit), "done_on_time", "done_late", "overdue", "warning" or "normal"."""
    if due is None:
        return "none"
    if done_at is not None:
        return "done_on_time" if done_at <= due else "done_late"
    if now > due:
        return "overdue"
    if due - now <= timedelta(hours=settings.SHUZHENG_APPEAL_WARNING_HOURS):
        return "warning"
    return "normal"


def working_days_text(
    due: datetime | None,
    now: datetime,
    *,
    done_at: datetime | None = None,
    cal: calendar.WorkingCalendar | None = None,
) -> str:
    """剩余 N 个工作日 / 超期 N 个工作日 of an open item, else "". Pass ``cal`` (``calendar.current()``)
    when rendering many rows: each ``current()`` asks the database whether the overrides changed."""
    if due is None or done_at is not None:
        return ""
    cal = cal or calendar.current()
    if now <= due:
        days = cal.working_days_between(now, due)
        return f"剩余 {days} 个工作日" if days else "今日到期"
    days = cal.working_days_between(due, now)
    return f"超期 {days} 个工作日" if days else "今日已超期"


SLA_LABELS = {
    "none": "不设时限",
    "done_on_time": "按时办结",
    "done_late": "超时办结",
    "overdue": "已超时",
    "warning": "即将超时",
    "normal": "正常",
}
