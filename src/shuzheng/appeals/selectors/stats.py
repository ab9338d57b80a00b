"""Statistics inputs in the caller's ``appeals.view_appeal_stats`` scope: headline rates, daily volume,
hot spots, map points."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from shuzheng.appeals.constants import (
    OPEN_APPEAL_STATUSES,
    AppealStatus,
    ConclusionKind,
    DispatchKind,
    VisitResult,
    WorkOrderStatus,
)
from shuzheng.appeals.models import Appeal, WorkOrder
from shuzheng.appeals.selectors.common import STATS_PERM, authenticated, scope_for
from shuzheng.core import calendar
from shuzheng.core.errors import PermissionDenied
from shuzheng.core.permissions import missing_permission
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department, Division


def stats_scope(user: Any, department: Department | None = None) -> QuerySet[Appeal]:
    """Appeals the user may count (``view_appeal_stats`` scope), narrowed to a department's tree."""
    authenticated(user)
    if not user.has_perm(STATS_PERM):
        raise PermissionDenied(f"没有查看诉求统计的权限{missing_permission(STATS_PERM)}")
    qs = scope_for(user, STATS_PERM).filter(
        Appeal.objects.all(), department="department", division="division"
    )
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    return qs


def stats_departments(*, user: Any) -> list[Department]:
    """Departments the statistics may be narrowed to: those inside the user's statistics scope."""
    authenticated(user)
    scope = scope_for(user, STATS_PERM)
    departments = orgs_selectors.department_queryset().order_by("path")
    return [d for d in departments if scope.covers_department(d)]


def _window(qs: QuerySet[Appeal], since: date | None, until: date | None) -> QuerySet[Appeal]:
    if since:
        qs = qs.filter(
            received_at__gte=datetime.combine(since, datetime.min.time(), tzinfo=calendar.OFFICE_TZ)
        )
    if until:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=calendar.OFFICE_TZ)
        qs = qs.filter(received_at__lt=end)
    return qs


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def appeal_stats(
    *,
    user: Any,
    since: date | None = None,
    until: date | None = None,
    division_under: str | None = None,
    department: Department | None = None,
) -> dict[str, Any]:
    """Headline numbers and breakdowns for the dashboard (one pass of aggregates per breakdown).

    Rates: closure (办结率) = concluded or closed / all; on-time closure (按时办结率) = finished by the due
    time / finished with a due time; satisfaction = 满意+基本满意 / visited with a result; visit rate =
    work orders with a visit / closed work orders; first-dispatch accuracy = dispatched appeals whose
    work order was never returned or reassigned / dispatched; KB-answered = concluded from the KB / all.
    """
    qs = _window(stats_scope(user, department), since, until)
    if division_under:
        qs = qs.filter(division__path__startswith=orgs_selectors.division_tree_path(division_under) or "//")
    finished = Q(status__in=(AppealStatus.CLOSED, AppealStatus.CONCLUDED))
    totals = qs.aggregate(
        total=Count("id"),
        finished=Count("id", filter=finished),
        open=Count("id", filter=Q(status__in=OPEN_APPEAL_STATUSES)),
        with_due=Count("id", filter=finished & Q(due_at__isnull=False, concluded_at__isnull=False)),
        on_time=Count("id", filter=finished & Q(due_at__isnull=False, concluded_at__lte=F("due_at"))),
        rated=Count("id", filter=~Q(satisfaction="") & ~Q(satisfaction=VisitResult.FAILED)),
        satisfied=Count(
            "id", filter=Q(satisfaction__in=(VisitResult.SATISFIED, VisitResult.BASICALLY_SATISFIED))
        ),
        kb=Count("id", filter=Q(conclusion=ConclusionKind.KNOWLEDGE_BASE)),
        direct=Count("id", filter=Q(conclusion=ConclusionKind.DIRECT_ANSWER)),
        self_handled=Count("id", filter=Q(conclusion=ConclusionKind.SELF_HANDLED)),
        dispatched=Count("id", filter=Q(work_order__isnull=False)),
        first_right=Count(
            "id", filter=Q(work_order__isnull=False, work_order__return_count=0, work_order__reassign_count=0)
        ),
        auto=Count("id", filter=Q(work_order__dispatch_kind__in=(DispatchKind.RULE, DispatchKind.MODEL))),
        overdue_open=Count("id", filter=Q(status__in=OPEN_APPEAL_STATUSES, due_at__lt=timezone.now())),
    )
    wo = WorkOrder.objects.filter(appeal__in=qs.filter(work_order__isnull=False).values("pk"))
    wo_totals = wo.aggregate(
        closed=Count("id", filter=Q(status=WorkOrderStatus.CLOSED)),
        visited=Count("id", filter=Q(status=WorkOrderStatus.CLOSED, visits__isnull=False), distinct=True),
    )

    def breakdown(field: str, label: str | None = None) -> list[dict[str, Any]]:
        fields = [field] + ([label] if label else [])
        return [
            {"key": row[field], "label": row[label] if label else row[field], "count": row["n"]}
            for row in qs.values(*fields).annotate(n=Count("id")).order_by("-n")[:50]
        ]

    return {
        "total": totals["total"],
        "open": totals["open"],
        "finished": totals["finished"],
        "overdue_open": totals["overdue_open"],
        "closure_rate": _rate(totals["finished"], totals["total"]),
        "on_time_rate": _rate(totals["on_time"], totals["with_due"]),
        "satisfaction_rate": _rate(totals["satisfied"], totals["rated"]),
        "visit_rate": _rate(wo_totals["visited"], wo_totals["closed"]),
        "first_dispatch_accuracy": _rate(totals["first_right"], totals["dispatched"]),
        "auto_dispatch_rate": _rate(totals["auto"], totals["dispatched"]),
        "kb_answered_rate": _rate(totals["kb"], totals["total"]),
        "direct_answer_rate": _rate(totals["direct"] + totals["kb"], totals["total"]),
        "self_handled": totals["self_handled"],
        "counts": {
            "finished_with_due": totals["with_due"],
            "on_time": totals["on_time"],
            "rated": totals["rated"],
            "satisfied": totals["satisfied"],
            "work_orders_closed": wo_totals["closed"],
            "work_orders_visited": wo_totals["visited"],
            "dispatched": totals["dispatched"],
            "first_right": totals["first_right"],
            "kb": totals["kb"],
        },
        "by_channel": breakdown("channel"),
        "by_type": breakdown("appeal_type"),
        "by_category": breakdown("category__code", "category__name"),
        "by_town": _by_town(qs),
    }


def _town_of_path(path: str, towns: dict[str, Division]) -> Division | None:
    parts = path.strip("/").split("/")
    for i in range(len(parts), 0, -1):
        key = "/" + "/".join(parts[:i]) + "/"
        if key in towns:
            return towns[key]
    return None


def towns_by_path() -> dict[str, Division]:
    """Every town (镇街) by its path, to place appeals at town level (``town_of``)."""
    towns = orgs_selectors.division_queryset(level=DivisionLevel.TOWN, include_inactive=True)
    return {d.path: d for d in towns}


def town_of(division: Division, towns: dict[str, Division]) -> Division:
    """The town a division lies in (itself when it is a town or above)."""
    return _town_of_path(division.path, towns) or division


def _by_town(qs: QuerySet[Appeal]) -> list[dict[str, Any]]:
    """Counts per town (镇街): appeals filed at village level are added to their town."""
    towns = towns_by_path()
    counts: dict[str, int] = {}
    for path, n in qs.values_list("division__path").annotate(n=Count("id")):
        town = _town_of_path(path, towns)
        if town is not None:
            counts[town.path] = counts.get(town.path, 0) + n
    return sorted(
        ({"key": towns[k].code, "label": towns[k].name, "count": n} for k, n in counts.items()),
        key=lambda r: -r["count"],
    )


VOLUME_GROUPS = ("channel", "appeal_type", "status", "category", "town")


def appeal_volume(
    *,
    user: Any,
    since: date,
    until: date,
    group_by: str = "channel",
    department: Department | None = None,
) -> list[dict[str, Any]]:
    """Daily counts (Asia/Shanghai days) split by ``channel``, ``appeal_type``, ``status``, ``category``
    (its name; "未分类" when none) or ``town`` (镇街; village appeals count for their town)."""
    if group_by not in VOLUME_GROUPS:
        group_by = "channel"
    qs = _window(stats_scope(user, department), since, until).annotate(
        day=TruncDate("received_at", tzinfo=calendar.OFFICE_TZ)
    )
    if group_by == "town":
        towns = towns_by_path()
        merged: dict[tuple[Any, str], int] = {}
        for row in qs.values("day", "division__path").annotate(n=Count("id")).order_by("day"):
            town = _town_of_path(row["division__path"], towns)
            key = (row["day"], town.name if town else "市级")
            merged[key] = merged.get(key, 0) + row["n"]
        return [{"day": day, "key": name, "count": n} for (day, name), n in sorted(merged.items())]
    field = "category__name" if group_by == "category" else group_by
    rows = qs.values("day", field).annotate(n=Count("id")).order_by("day", field)
    return [{"day": r["day"], "key": r[field] or "未分类", "count": r["n"]} for r in rows]


def hot_spots(
    *,
    user: Any,
    since: date | None = None,
    until: date | None = None,
    limit: int = 20,
    department: Department | None = None,
) -> list[dict[str, Any]]:
    """Villages (or the division filed at) with the most appeals."""
    qs = _window(stats_scope(user, department), since, until)
    rows = list(qs.values("division__code", "division__name").annotate(n=Count("id")).order_by("-n")[:limit])
    return [
        {"division_code": r["division__code"], "division": r["division__name"], "count": r["n"]} for r in rows
    ]


def open_appeal_points(
    *, user: Any, limit: int = 5000, department: Department | None = None
) -> list[dict[str, Any]]:
    """Open appeals with coordinates for the offline map (no tiles needed: plain points)."""
    qs = stats_scope(user, department).filter(
        status__in=OPEN_APPEAL_STATUSES, latitude__isnull=False, longitude__isnull=False
    )
    return [
        {
            "id": pk,
            "number": number,
            "lat": float(lat or 0),
            "lng": float(lng or 0),
            "category": category,
            "status": status,
        }
        for pk, number, lat, lng, category, status in qs.values_list(
            "pk", "number", "latitude", "longitude", "category__name", "status"
        ).order_by("-received_at")[:limit]
    ]


def open_appeals_by_division(*, user: Any, department: Department | None = None) -> list[dict[str, Any]]:
    """Open appeals without coordinates, counted per division (the map places them at the division)."""
    qs = stats_scope(user, department).filter(
        status__in=OPEN_APPEAL_STATUSES, latitude__isnull=True, merged_into__isnull=True
    )
    rows = qs.values("division_id").annotate(n=Count("id")).order_by("-n")
    divisions = orgs_selectors.divisions_by_id([r["division_id"] for r in rows])
    return [{"division": divisions[r["division_id"]], "count": r["n"]} for r in rows]
