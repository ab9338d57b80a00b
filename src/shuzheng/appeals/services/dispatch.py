"""Dispatch (派单): automatic by routing rule or classifier, manual from the centre's queue; both open the
work order and move the appeal (and any merged into it) to ``dispatched``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet

from shuzheng.appeals import routing
from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AppealStatus, DispatchKind, WorkOrderStatus
from shuzheng.appeals.models import Appeal, Category, DispatchDecision, WorkOrder, WorkOrderAssist
from shuzheng.appeals.services.appeal_status import appeals_transition
from shuzheng.appeals.services.common import (
    next_number,
    notify_department,
    now,
    require_perm,
    set_sla,
    user_of,
    work_order_event,
    work_order_snapshot,
)
from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM, is_system
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.identity.actors import Actor
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department


def auto_dispatch_appeal(
    *,
    appeal: Appeal,
    dispatch: bool = True,
    check_merge: bool = False,
    before_writes: Callable[[], None] | None = None,
) -> Appeal:
    """Rules first, then the router (automatic when its model's calibrated threshold is met, see
    ``dispatching.router``); else the manual queue. The platform decides (``SYSTEM``), whoever
    registered the appeal.

    The router also fills in a missing category and leaves its top-3 departments (with the reason for
    the manual queue and the proposed assisting department) on the appeal.
    With ``check_merge`` similar open appeals are looked for (after the category is known); when there
    are any, the appeal waits in the manual queue so the centre can merge it instead of opening a
    second work order for the same problem. ``before_writes`` runs once everything is decided, before
    the first write.
    """
    rule = routing.routing_rule_match(
        text=appeal.text,
        category=appeal.category,
        division=appeal.division,
        channel=appeal.channel,
        appeal_type=appeal.appeal_type,
        is_enterprise=appeal.is_enterprise,
    )
    fields: list[str] = []
    if rule is not None and appeal.category_id is None and rule.set_category_id:
        appeal.category = rule.set_category
        fields += ["category"]
    active = routing.active_dispatch_model() if rule is None or appeal.category_id is None else None
    prediction = model_row = department = None
    if active is not None:
        model_row, bundle = active
        prediction = routing.route(bundle, f"{appeal.title} {appeal.text}", routing.town_of(appeal.division))
        top_departments = routing.top_departments(prediction)
        suggestions = routing.suggestions(prediction, top_departments)
        appeal.dispatch_suggestions = [
            {
                **s,
                "category_code": prediction.category,
                "model_version": model_row.version,
                "reason": prediction.reason,
                "assisting": s["department_code"] in prediction.assisting,
            }
            for s in suggestions
        ]
        fields += ["dispatch_suggestions"]
        if appeal.category_id is None and prediction.category:
            predicted = Category.objects.filter(code=prediction.category, is_active=True).first()
            if predicted is not None:
                appeal.category = predicted
                fields += ["category"]
        if prediction.department is not None:
            department = top_departments.get(prediction.department)  # the best one is in the top 3
    if "category" in fields:
        set_sla(appeal)
        fields += ["due_at", "sla_rule"]
    if check_merge:
        appeal.merge_suggestions = routing.merge_candidates(appeal=appeal)
        fields += ["merge_suggestions"]
    if before_writes is not None:
        before_writes()
    if fields:
        appeal.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    hold = not dispatch or bool(appeal.merge_suggestions)
    if rule is not None:
        decision = DispatchDecision.objects.create(
            appeal=appeal,
            kind=DispatchKind.SUGGESTION if hold else DispatchKind.RULE,
            rule=rule,
            department=rule.lead_department,
            category=appeal.category,
            is_automatic=not hold,
        )
        if not hold:
            _create_work_order(
                actor=SYSTEM,
                appeal=appeal,
                department=rule.lead_department,
                assists=list(rule.assist_departments.filter(is_active=True)),
                kind=DispatchKind.RULE,
                note=f"命中派单规则“{rule.name}”",
                decision=decision,
            )
        return appeal
    if prediction is None or model_row is None:
        return appeal
    automatic = not hold and department is not None and prediction.automatic
    decision = DispatchDecision.objects.create(
        appeal=appeal,
        kind=DispatchKind.MODEL if automatic else DispatchKind.SUGGESTION,
        model=model_row,
        model_version=model_row.version,
        probability=prediction.probability,
        department=department,
        category=appeal.category,
        suggestions=appeal.dispatch_suggestions,
        is_automatic=automatic,
    )
    if automatic:
        assert department is not None
        _create_work_order(
            actor=SYSTEM,
            appeal=appeal,
            department=department,
            assists=[],
            kind=DispatchKind.MODEL,
            note=f"智能派单（模型 {model_row.version}，置信度 {prediction.probability:.2f}）",
            decision=decision,
        )
    return appeal


def _create_work_order(
    *,
    actor: Actor,
    appeal: Appeal,
    department: Department,
    assists: Sequence[Department],
    kind: str,
    note: str = "",
    decision: DispatchDecision | None = None,
) -> WorkOrder:
    at = now()
    work_order = WorkOrder.objects.create(
        number=next_number("GD"),
        appeal=appeal,
        lead_department=department,
        status=WorkOrderStatus.DISPATCHED,
        appeal_type=appeal.appeal_type,
        category=appeal.category,
        dispatch_kind=kind,
        dispatched_at=at,
        dispatched_by=user_of(actor),
        due_at=appeal.due_at,
    )
    for assist in dict.fromkeys(assists):
        if assist.pk != department.pk:
            WorkOrderAssist.objects.create(work_order=work_order, department=assist)
    appeals_transition(
        actor=actor,
        appeals=Appeal.objects.filter(pk=appeal.pk) | Appeal.objects.filter(merged_into=appeal),
        action=wf.AppealAction.DISPATCH,
        note=note,
        work_order=work_order,
        department=department,
    )
    # What the move changed; the relations the caller loaded stay (a full refresh dropped them all, and
    # the intake's answer then read category, division, grid and department one query each).
    appeal.refresh_from_db(fields=["status", "version", "updated_at", "work_order", "department"])
    appeal.work_order, appeal.department = work_order, department
    work_order_event(
        work_order,
        actor=actor,
        from_status="",
        action="dispatch",
        note=note,
        department=department,
        data={"kind": kind, "decision_id": decision.pk if decision else None},
    )
    audit.record(
        actor=actor,
        action="appeals.workorder.dispatch",
        subject=work_order,
        after=work_order_snapshot(work_order),
    )
    notify_department(work_order, department, "新工单待签收")
    return work_order


@transaction.atomic
def appeal_dispatch(
    *,
    actor: Actor,
    appeal: Appeal,
    department: Department,
    assist_departments: Iterable[Department] = (),
    category_code: str | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """Manual dispatch from the centre's queue (人工派单), optionally fixing the category."""
    require_perm(actor, wf.CENTRE_PERM, "派单")
    appeal = appeal_for_centre(actor, appeal.pk)
    if expected_version is not None and appeal.version != expected_version:
        raise Conflict("诉求已被他人处理，请刷新后重试")
    if appeal.status != AppealStatus.PENDING_DISPATCH or appeal.merged_into_id:
        raise Conflict(f"诉求当前状态为“{appeal.get_status_display()}”，不能派单")
    if not department.is_active:
        raise ValidationFailed.for_field("department_id", f"部门“{department.name}”已停用")
    assists = list(assist_departments)
    inactive = [d.name for d in assists if not d.is_active]
    if inactive:
        raise ValidationFailed.for_field("assist_department_ids", f"协办部门已停用：{'、'.join(inactive)}")
    if category_code:
        category = Category.objects.filter(code=category_code, is_active=True).first()
        if category is None:
            raise ValidationFailed.for_field("category_code", f"诉求分类“{category_code}”不存在或已停用")
        appeal.category = category
        set_sla(appeal)
        appeal.save(update_fields=["category", "due_at", "sla_rule", "updated_at"])
    decision = DispatchDecision.objects.create(
        appeal=appeal,
        kind=DispatchKind.MANUAL,
        department=department,
        category=appeal.category,
        decided_by=user_of(actor),
    )
    return _create_work_order(
        actor=actor,
        appeal=appeal,
        department=department,
        assists=assists,
        kind=DispatchKind.MANUAL,
        note="人工派单",
        decision=decision,
    )


def appeal_for_centre(actor: Actor, appeal_id: int) -> Appeal:
    """The appeal, locked, when it is in the dispatch centre's data scope (the platform sees all)."""
    qs: QuerySet[Appeal] = Appeal.objects.select_for_update().filter(pk=appeal_id)
    if not is_system(actor):
        qs = data_scope_for(actor, wf.CENTRE_PERM).filter(qs, department="department", division="division")
    appeal = qs.first()
    if appeal is None:
        raise NotFound("诉求不存在或不在您的数据范围内")
    return appeal
