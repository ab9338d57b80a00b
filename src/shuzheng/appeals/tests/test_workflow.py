"""The work-order lifecycle: every edge of the table, forbidden moves, department boundaries, returns,
forwarding, visits, reopen and supervision, closing rules, SLA and extensions, concurrency."""

from __future__ import annotations

from datetime import datetime

import pytest

from shuzheng.appeals import sla
from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import AppealStatus, RequestStatus, VisitResult, WorkOrderStatus
from shuzheng.appeals.models import WorkOrder, WorkOrderEvent
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.requests import (
    extension_request_create,
    extension_request_review,
    work_order_assist_accept,
    work_order_assist_reply,
)
from shuzheng.appeals.services.visits import work_order_close, work_order_visit
from shuzheng.appeals.services.work_orders import (
    return_request_review,
    work_order_accept,
    work_order_forward,
    work_order_remind,
    work_order_reply,
    work_order_request_return,
    work_order_supervise,
    work_order_transition,
)
from shuzheng.appeals.tests.conftest import intake
from shuzheng.core.actors import SYSTEM
from shuzheng.core.calendar import OFFICE_TZ
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.identity.models import AuditEvent


def dispatched(world, department=None, **overrides):
    appeal = intake(world, **overrides)
    return appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=department or world.cgj)


@pytest.mark.parametrize(("edge", "target"), sorted(wf.WORK_ORDER_TRANSITIONS.edges.items()))
def test_every_allowed_edge(world, edge, target):
    source, action = edge
    wo = dispatched(world)
    WorkOrder.objects.filter(pk=wo.pk).update(status=source)
    audit_before = AuditEvent.objects.count()
    done = work_order_transition(actor=SYSTEM, work_order=wo.pk, action=action, note="测试")
    assert done.status == target
    event = WorkOrderEvent.objects.filter(work_order=wo).latest("id")
    assert (event.from_status, event.action, event.to_status) == (source, action, target)
    assert AuditEvent.objects.count() == audit_before + 1


@pytest.mark.parametrize("source", WorkOrderStatus.values)
def test_forbidden_moves_change_nothing(world, source):
    wo = dispatched(world)
    WorkOrder.objects.filter(pk=wo.pk).update(status=source)
    for action in wf.WorkOrderAction.values:
        if wf.WORK_ORDER_TRANSITIONS.target(source, action) is not None:
            continue
        with pytest.raises(Conflict):
            work_order_transition(actor=SYSTEM, work_order=wo.pk, action=action)
    wo.refresh_from_db()
    assert wo.status == source
    assert wo.version == 0
    assert wf.WORK_ORDER_TRANSITIONS.is_final(WorkOrderStatus.CLOSED)


def test_department_acting_on_another_departments_work_order_is_not_found(world):
    wo = dispatched(world, department=world.cgj)
    with pytest.raises(NotFound):
        work_order_accept(actor=world.rsj_handler, work_order=wo.pk)
    with pytest.raises(NotFound):
        work_order_selectors.work_order_get(user=world.rsj_handler, id=wo.pk)
    assert work_order_selectors.department_queue(user=world.rsj_handler).items == []
    assert [w.pk for w in work_order_selectors.department_queue(user=world.cgj_handler).items] == [wo.pk]
    wo.refresh_from_db()
    assert wo.status == WorkOrderStatus.DISPATCHED


def test_return_needs_a_reason_then_centre_reassigns(world):
    wo = dispatched(world, department=world.rsj)
    with pytest.raises(ValidationFailed) as exc:
        work_order_request_return(actor=world.rsj_handler, work_order=wo.pk, reason="  ")
    assert exc.value.errors[0]["field"] == "reason"
    wo.refresh_from_db()
    assert wo.status == WorkOrderStatus.DISPATCHED
    assert wo.return_count == 0
    request = work_order_request_return(actor=world.rsj_handler, work_order=wo.pk, reason="不属本部门职责")
    assert [r.pk for r in work_order_selectors.return_request_queue(user=world.dispatcher).items] == [
        request.pk
    ]
    with pytest.raises(ValidationFailed):
        return_request_review(actor=world.dispatcher, return_request=request, approve=True)
    reviewed = return_request_review(
        actor=world.dispatcher, return_request=request, approve=True, department=world.cgj, note="改派城管"
    )
    wo.refresh_from_db()
    assert reviewed.status == RequestStatus.APPROVED
    assert wo.lead_department == world.cgj
    assert wo.status == WorkOrderStatus.DISPATCHED
    assert wo.reassign_count == 1
    assert wo.return_count == 1
    assert wo.appeal.department == world.cgj
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk)


def test_rejected_return_goes_back_to_the_department(world):
    wo = dispatched(world, department=world.rsj)
    request = work_order_request_return(actor=world.rsj_handler, work_order=wo.pk, reason="不归我管")
    with pytest.raises(ValidationFailed):
        return_request_review(actor=world.dispatcher, return_request=request, approve=False)
    return_request_review(actor=world.dispatcher, return_request=request, approve=False, note="属人社职责")
    wo.refresh_from_db()
    assert wo.status == WorkOrderStatus.DISPATCHED
    assert wo.lead_department == world.rsj
    with pytest.raises(Conflict):
        return_request_review(actor=world.dispatcher, return_request=request, approve=False, note="x")


def test_forward_only_inside_own_subunits(world):
    wo = dispatched(world, department=world.cgj)
    with pytest.raises(ValidationFailed):
        work_order_forward(actor=world.cgj_handler, work_order=wo.pk, department=world.rsj)
    forwarded = work_order_forward(actor=world.cgj_handler, work_order=wo.pk, department=world.cgj_unit)
    assert forwarded.lead_department == world.cgj_unit
    assert forwarded.status == WorkOrderStatus.DISPATCHED
    # The unit cannot forward "up" to its parent, but the parent still sees the work order (tree scope).
    with pytest.raises(ValidationFailed):
        work_order_forward(actor=world.cgj_unit_handler, work_order=wo.pk, department=world.cgj)
    work_order_accept(actor=world.cgj_unit_handler, work_order=wo.pk)
    assert [w.pk for w in work_order_selectors.department_queue(user=world.cgj_handler).items] == [wo.pk]


def test_stale_version_is_a_conflict_for_the_loser(world):
    wo = dispatched(world)
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk, expected_version=0)
    with pytest.raises(Conflict):
        work_order_reply(actor=world.cgj_handler, work_order=wo.pk, reply_text="x", expected_version=0)


def _replied(world, **overrides):
    wo = dispatched(world, **overrides)
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk)
    return work_order_reply(actor=world.cgj_handler, work_order=wo.pk, reply_text="已处理")


def test_reopen_once_then_supervision_then_close(world):
    wo = _replied(world)
    assert [w.pk for w in work_order_selectors.visit_queue(user=world.dispatcher).items] == [wo.pk]
    assert work_order_selectors.visit_due(wo) is not None
    with pytest.raises(ValidationFailed):
        work_order_visit(actor=world.dispatcher, work_order=wo.pk, result=VisitResult.UNSATISFIED)
    first = work_order_visit(
        actor=world.dispatcher, work_order=wo.pk, result=VisitResult.UNSATISFIED, note="垃圾仍未清走"
    )
    assert first.status == WorkOrderStatus.HANDLING
    assert first.reopen_count == 1
    assert first.lead_department == world.cgj
    assert first.reopen_reason == "垃圾仍未清走"
    work_order_reply(actor=world.cgj_handler, work_order=wo.pk, reply_text="已再次清运")
    second = work_order_visit(
        actor=world.dispatcher, work_order=wo.pk, result=VisitResult.UNSATISFIED, note="还是没有解决"
    )
    assert second.status == WorkOrderStatus.SUPERVISED
    assert second.is_supervised
    assert second.reopen_count == 1
    work_order_reply(actor=world.cgj_handler, work_order=wo.pk, reply_text="督办后已彻底整改")
    closed = work_order_visit(actor=world.dispatcher, work_order=wo.pk, result=VisitResult.SATISFIED)
    assert closed.status == WorkOrderStatus.CLOSED
    assert closed.satisfaction == VisitResult.SATISFIED
    appeal = closed.appeal
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    assert appeal.satisfaction == VisitResult.SATISFIED


def test_complaint_cannot_close_without_visit(world):
    wo = _replied(world)
    with pytest.raises(ValidationFailed) as exc:
        work_order_close(actor=world.dispatcher, work_order=wo.pk)
    assert exc.value.code == "visit_required"
    wo.refresh_from_db()
    assert wo.status == WorkOrderStatus.REPLIED
    with pytest.raises(ValidationFailed):  # a failed visit needs its reason documented
        work_order_visit(actor=world.dispatcher, work_order=wo.pk, result=VisitResult.FAILED)
    done = work_order_visit(
        actor=world.dispatcher, work_order=wo.pk, result=VisitResult.FAILED, note="三次致电无人接听"
    )
    assert done.status == WorkOrderStatus.CLOSED


def test_a_suggestion_may_close_without_visit(world):
    wo = _replied(world, appeal_type="suggestion", text="建议在村口增设垃圾桶")
    assert work_order_close(actor=world.dispatcher, work_order=wo.pk).status == WorkOrderStatus.CLOSED


def test_remind_and_supervise_are_recorded(world):
    wo = dispatched(world)
    work_order_remind(actor=world.dispatcher, work_order=wo.pk, note="请尽快签收")
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk)
    with pytest.raises(ValidationFailed):
        work_order_supervise(actor=world.dispatcher, work_order=wo.pk, note="")
    supervised = work_order_supervise(actor=world.dispatcher, work_order=wo.pk, note="列入督办")
    assert supervised.remind_count == 1
    assert supervised.supervise_count == 1
    assert supervised.is_supervised
    assert [e.action for e in work_order_selectors.work_order_events(work_order=wo)] == [
        "dispatch",
        "remind",
        "accept",
        "supervise",
    ]


def test_assisting_department_accepts_and_replies(world):
    appeal = intake(world)
    wo = appeal_dispatch(
        actor=world.dispatcher, appeal=appeal, department=world.cgj, assist_departments=[world.rsj]
    )
    assist = work_order_selectors.assist_queue(user=world.rsj_handler).items[0]
    with pytest.raises(NotFound):
        work_order_assist_accept(actor=world.cgj_unit_handler, assist=assist.pk)
    work_order_assist_accept(actor=world.rsj_handler, assist=assist.pk)
    done = work_order_assist_reply(actor=world.rsj_handler, assist=assist.pk, reply_text="已核实用工情况")
    assert done.status == "replied"
    assert wo.events.filter(action="assist_reply").exists()


# --- SLA -------------------------------------------------------------------------------------------------


RECEIVED = datetime(2025, 9, 26, 10, 0, tzinfo=OFFICE_TZ)  # Friday before the National Day holiday


@pytest.mark.parametrize(
    ("appeal_type", "expected_day"),
    [
        ("consult", datetime(2025, 9, 28, 17, 30, tzinfo=OFFICE_TZ)),  # Sunday 28 Sep is a make-up workday
        ("help", datetime(2025, 9, 30, 17, 30, tzinfo=OFFICE_TZ)),  # 28, 29, 30 Sep
        # 28-30 Sep, then 1-8 Oct off, 9, 10, 11 (Saturday make-up day), 13-17, 20, 21 Oct
        ("complaint", datetime(2025, 10, 21, 17, 30, tzinfo=OFFICE_TZ)),
        ("suggestion", datetime(2025, 10, 23, 17, 30, tzinfo=OFFICE_TZ)),
    ],
)
def test_working_day_limits_follow_the_calendar(db, appeal_type, expected_day):
    limit = sla.limit_for(appeal_type=appeal_type, urgency="normal", category_days=None, is_enterprise=False)
    assert sla.due_at(RECEIVED, limit) == expected_day


def test_praise_urgent_enterprise_and_category_limits(db, settings):
    assert sla.limit_for(
        appeal_type="praise", urgency="normal", category_days=None, is_enterprise=False
    ).is_none
    urgent = sla.limit_for(
        appeal_type="complaint", urgency="critical", category_days=None, is_enterprise=False
    )
    assert sla.due_at(RECEIVED, urgent) == datetime(2025, 9, 26, 12, 0, tzinfo=OFFICE_TZ)
    fast = sla.limit_for(appeal_type="complaint", urgency="normal", category_days=None, is_enterprise=True)
    assert fast.working_days == 7  # 13 halved, rounded up
    assert (
        sla.limit_for(
            appeal_type="consult", urgency="normal", category_days=None, is_enterprise=True
        ).working_days
        == 1
    )
    assert (
        sla.limit_for(
            appeal_type="complaint", urgency="normal", category_days=5, is_enterprise=False
        ).working_days
        == 5
    )
    settings.SHUZHENG_APPEAL_SLA_DAYS = {"help": 2}
    assert (
        sla.limit_for(
            appeal_type="help", urgency="normal", category_days=None, is_enterprise=False
        ).working_days
        == 2
    )


def test_sla_state_is_derived():
    due = datetime(2025, 10, 10, 17, 30, tzinfo=OFFICE_TZ)
    assert sla.sla_state(due, datetime(2025, 10, 1, tzinfo=OFFICE_TZ)) == "normal"
    assert sla.sla_state(due, datetime(2025, 10, 10, 9, tzinfo=OFFICE_TZ)) == "warning"
    assert sla.sla_state(due, datetime(2025, 10, 11, tzinfo=OFFICE_TZ)) == "overdue"
    assert sla.sla_state(due, due, done_at=due) == "done_on_time"
    assert sla.sla_state(None, due) == "none"


def test_extension_approved_moves_the_due_date(world):
    wo = dispatched(world)
    work_order_accept(actor=world.cgj_handler, work_order=wo.pk)
    WorkOrder.objects.filter(pk=wo.pk).update(due_at=datetime(2025, 9, 26, 17, 30, tzinfo=OFFICE_TZ))
    with pytest.raises(ValidationFailed):
        extension_request_create(actor=world.cgj_handler, work_order=wo.pk, working_days=0, reason="")
    request = extension_request_create(
        actor=world.cgj_handler, work_order=wo.pk, working_days=2, reason="需协调供电部门"
    )
    with pytest.raises(Conflict):
        extension_request_create(actor=world.cgj_handler, work_order=wo.pk, working_days=1, reason="再延")
    assert [r.pk for r in work_order_selectors.extension_request_queue(user=world.dispatcher).items] == [
        request.pk
    ]
    extension_request_review(actor=world.dispatcher, extension_request=request, approve=True)
    wo.refresh_from_db()
    assert wo.due_at == datetime(2025, 9, 29, 17, 30, tzinfo=OFFICE_TZ)  # 28 Sep (make-up day), 29 Sep
    assert wo.appeal.due_at == wo.due_at
