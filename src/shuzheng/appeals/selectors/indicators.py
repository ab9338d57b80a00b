"""City-wide figures the plan's indicators read from the hub (indicators 11 and 14, department scorecards):
which departments the dispatch catalogue names and how their work orders went. No personal data; the
indicators context decides who sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, F, Q

from shuzheng.appeals.constants import WorkOrderStatus
from shuzheng.appeals.models import DispatchCatalogueEntry, WorkOrder
from shuzheng.core.calendar import OFFICE_TZ


@dataclass(frozen=True)
class HubDepartment:
    department_id: int
    catalogue_entries: int
    work_orders: int
    closed: int
    closed_on_time: int
    closed_with_due: int


def _until(until: date | None) -> Q:
    if until is None:
        return Q()
    return Q(dispatched_at__lt=datetime.combine(until, time.max, tzinfo=OFFICE_TZ))


def hub_departments(*, until: date | None = None) -> dict[int, HubDepartment]:
    """Per department id: active dispatch-catalogue entries naming it, work orders it led (dispatched up to
    ``until``), how many are closed and how many of those with a due time were closed by it."""
    entries = dict(
        DispatchCatalogueEntry.objects.filter(is_active=True, category__is_active=True)
        .values("department_id")
        .annotate(n=Count("id"))
        .values_list("department_id", "n")
    )
    closed = Q(status=WorkOrderStatus.CLOSED, closed_at__isnull=False)
    orders = {
        row["lead_department_id"]: row
        for row in WorkOrder.objects.filter(_until(until))
        .values("lead_department_id")
        .annotate(
            total=Count("id"),
            closed=Count("id", filter=closed),
            with_due=Count("id", filter=closed & Q(due_at__isnull=False)),
            on_time=Count("id", filter=closed & Q(due_at__isnull=False, closed_at__lte=F("due_at"))),
        )
    }
    result = {}
    for department_id in set(entries) | set(orders):
        row = orders.get(department_id, {})
        result[department_id] = HubDepartment(
            department_id=department_id,
            catalogue_entries=entries.get(department_id, 0),
            work_orders=row.get("total", 0),
            closed=row.get("closed", 0),
            closed_on_time=row.get("on_time", 0),
            closed_with_due=row.get("with_due", 0),
        )
    return result
