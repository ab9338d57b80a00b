"""What the appeals services share: text cleaning, the permission check, numbers, audit snapshots, SLA,
the work-order history row and department notifications."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from shuzheng.appeals import sla
from shuzheng.appeals.models import Appeal, AppealSequence, WorkOrder, WorkOrderEvent
from shuzheng.core import counters
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import PermissionDenied
from shuzheng.core.masking import mask_mobile, mask_name
from shuzheng.core.notifications import notify
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.actors import Actor, is_user
from shuzheng.identity.selectors import users_with_role_for_department

if TYPE_CHECKING:
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department

HANDLER_ROLE = "department_handler"


def now() -> datetime:
    return timezone.now()


def clean_text(value: str | None) -> str:
    """Trimmed text without NUL characters (PostgreSQL refuses them in text columns)."""
    return (value or "").replace("\x00", "").strip()


def user_of(actor: Actor) -> User | None:
    """Who to record as having done it (``created_by``, a history row's ``actor``); None for the platform."""
    return actor if is_user(actor) and actor.pk else None


def require_perm(actor: Actor, perm: str, what: str) -> None:
    if isinstance(actor, SystemActor):
        return
    if not actor.is_authenticated:
        raise PermissionDenied("请先登录")
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{what}的权限{missing_permission(perm)}")


def next_number(prefix: str, *, day: date | None = None) -> str:
    """``<prefix><YYYYMMDD><6 digits>`` from the per-day AppealSequence counter (core.counters)."""
    day = day or timezone.localdate()
    return f"{prefix}{day:%Y%m%d}{counters.increment(AppealSequence, prefix=prefix, day=day):06d}"


# --- snapshots (audit, no clear personal data) ---------------------------------------------------------


def appeal_snapshot(appeal: Appeal) -> dict[str, Any]:
    return {
        "number": appeal.number,
        "channel": appeal.channel,
        "appeal_type": appeal.appeal_type,
        "category": appeal.category.code if appeal.category_id and appeal.category else None,
        "division": appeal.division.code if appeal.division_id else None,
        "status": appeal.status,
        "urgency": appeal.urgency,
        "is_enterprise": appeal.is_enterprise,
        "publish_consent": appeal.publish_consent,
        "department_id": appeal.department_id,
        "work_order_id": appeal.work_order_id,
        "merged_into_id": appeal.merged_into_id,
        "reporter_name": mask_name(appeal.reporter_name or ""),
        "reporter_phone": mask_mobile(appeal.reporter_phone or ""),
        "due_at": appeal.due_at.isoformat() if appeal.due_at else None,
    }


def work_order_snapshot(work_order: WorkOrder) -> dict[str, Any]:
    return {
        "number": work_order.number,
        "status": work_order.status,
        "lead_department_id": work_order.lead_department_id,
        "due_at": work_order.due_at.isoformat() if work_order.due_at else None,
        "version": work_order.version,
        "reopen_count": work_order.reopen_count,
        "is_supervised": work_order.is_supervised,
    }


def set_sla(appeal: Appeal) -> None:
    limit = sla.limit_for(
        appeal_type=appeal.appeal_type,
        urgency=appeal.urgency,
        category_days=appeal.category.sla_days if appeal.category else None,
        is_enterprise=appeal.is_enterprise,
    )
    due = sla.due_at(appeal.received_at, limit)
    appeal.due_at = due.astimezone(UTC) if due is not None else None  # as the database gives it back
    appeal.sla_rule = limit.basis


# --- work orders: history rows and notices ------------------------------------------------------------


def work_order_event(
    work_order: WorkOrder,
    *,
    actor: Actor,
    from_status: str,
    action: str,
    note: str = "",
    department: Department | None = None,
    data: dict[str, Any] | None = None,
) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(
        work_order=work_order,
        from_status=from_status,
        to_status=work_order.status,
        action=action,
        actor=user_of(actor),
        department=department,
        note=note,
        data=data or {},
        occurred_at=now(),
    )


def notify_department(work_order: WorkOrder, department: Department, title: str) -> None:
    for user in users_with_role_for_department(HANDLER_ROLE, department.pk)[:20]:
        notify(
            recipient=user,
            kind="appeals.work_order",
            title=title,
            body=f"工单 {work_order.number}：{work_order.appeal.text[:60]}",
            link=reverse("appeals:workbench_order", kwargs={"work_order_id": work_order.pk}),
            dedupe_key=f"wo-{work_order.pk}-{work_order.version}-{department.pk}",
        )
