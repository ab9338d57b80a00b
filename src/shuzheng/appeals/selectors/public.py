"""Public reads: the citizen's timeline, 诉求进度查询 by number and Open311 ``GET requests``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import OPEN_APPEAL_STATUSES, AppealStatus, AppealType, ConclusionKind
from shuzheng.appeals.models import Appeal, Category
from shuzheng.appeals.selectors.appeals import appeal_history, public_status


@dataclass(frozen=True)
class TimelineStep:
    at: datetime | None
    label: str


_CLOSING_ACTIONS = frozenset(
    {
        wf.WorkOrderAction.VISIT_SATISFIED,
        wf.WorkOrderAction.VISIT_FAILED,
        wf.WorkOrderAction.CLOSE,
        wf.WorkOrderAction.CLOSE_UNSATISFIED,
    }
)


def citizen_timeline(*, appeal: Appeal) -> list[TimelineStep]:
    """The progress of an appeal in the reporter's words: registration, which department handles it,
    reply, return visit, closing. No staff names, internal notes, return reasons or reminders."""
    steps = [TimelineStep(appeal.received_at, f"诉求已登记（{appeal.get_channel_display()}）")]
    if appeal.merged_into_id:
        steps.append(TimelineStep(None, "与反映同一问题的诉求合并办理，答复将同时告知您"))
    for moved in appeal.events.filter(action=wf.AppealAction.ESCALATE):
        steps.append(TimelineStep(moved.occurred_at, "已上报，等待调度中心派单"))
    act = wf.WorkOrderAction
    for event in appeal_history(appeal=appeal):
        department = event.department.name if event.department else "承办部门"
        label = {
            "dispatch": f"已转交{department}办理",
            act.ACCEPT: f"{department}已签收，正在办理",
            act.FORWARD: f"已转交{department}具体办理",
            act.APPROVE_RETURN: f"已改由{department}办理",
            act.REASSIGN: f"已改由{department}办理",
            act.REPLY: f"{department}已答复",
            act.REOPEN: "回访不满意，已要求承办部门重新办理",
            act.ESCALATE: "回访仍不满意，已列入督办",
            act.SUPERVISE: "已列入督办",
        }.get(event.action)
        if event.action in _CLOSING_ACTIONS:
            label = "已办结"
        if label:
            steps.append(TimelineStep(event.occurred_at, label))
    if appeal.status == AppealStatus.CONCLUDED:
        self_handled = appeal.conclusion == ConclusionKind.SELF_HANDLED
        label = "网格员已现场处置，办结" if self_handled else "已直接答复，办结"
        steps.append(TimelineStep(appeal.concluded_at, label))
    return steps


@dataclass(frozen=True)
class PublicAppealStatus:
    number: str
    status: str  # "open" or "closed"
    stage: str
    category: str
    received_at: datetime
    concluded_at: datetime | None


_PUBLIC_STAGES: dict[str, str] = {
    AppealStatus.REPORTED: "网格员已上报，正在处置",
    AppealStatus.PENDING_DISPATCH: "已登记，正在分派承办部门",
    AppealStatus.DISPATCHED: "承办部门办理中",
    AppealStatus.CONCLUDED: "已办结",
    AppealStatus.CLOSED: "已办结",
}


def public_lookup(*, number: str) -> PublicAppealStatus | None:
    """诉求进度查询 by number for anybody: status and dates only — no text, place or personal data; 举报
    and imported history are not public (as in Open311, ``public_requests``)."""
    number = (number or "").strip().upper()[:32]
    if not number:
        return None
    appeal = public_requests().filter(number=number).first()
    if appeal is None:
        return None
    return PublicAppealStatus(
        number=appeal.number,
        status=public_status(appeal),
        stage=_PUBLIC_STAGES.get(appeal.status, appeal.get_status_display()),
        category=appeal.category.name if appeal.category else "",
        received_at=appeal.received_at,
        concluded_at=appeal.concluded_at,
    )


def public_requests() -> QuerySet[Appeal]:
    """Appeals Open311 ``GET requests`` may show to anyone: not 举报 (whistle-blowing stays confidential)
    and not imported history. Callers shape the output without reporter data."""
    return (
        Appeal.objects.filter(is_historical=False)
        .exclude(appeal_type=AppealType.REPORT)
        .select_related("category", "division", "department")
    )


def public_request_list(
    *,
    numbers: list[str] | None = None,
    category_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[Appeal]:
    """Open311 ``GET requests``: by numbers (which override every other filter), else by categories (a code
    includes its subtree), public status ("open"/"closed") and a received-at window; newest first."""
    qs = public_requests()
    if numbers:
        return list(qs.filter(number__in=numbers).order_by("-received_at", "-id")[:limit])
    if category_codes:
        paths = list(Category.objects.filter(code__in=category_codes).values_list("path", flat=True))
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(category__path__startswith=path)
        qs = qs.filter(condition)
    if statuses and set(statuses) != {"open", "closed"}:
        qs = (
            qs.filter(status__in=OPEN_APPEAL_STATUSES)
            if "open" in statuses
            else qs.exclude(status__in=OPEN_APPEAL_STATUSES)
        )
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lte=until)
    return list(qs.order_by("-received_at", "-id")[:limit])
