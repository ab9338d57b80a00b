"""差评整改: a bad review opens a rectification at once: the department's handler owns it, the due date is
SHUZHENG_RECTIFICATION_DAYS working days away, real-name reviews (and anonymous ones that left a phone
number) need a return visit (回访) before the result is accepted, and a supervisor checks the result (pass:
verified; fail: back to the handler with the reason). Status changes go through `rectification_transition`,
which asks `workflow.RECTIFICATION` and writes one history row and one audit event per change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.actors import is_system
from shuzheng.core.calendar import add_working_days
from shuzheng.core.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.notifications import notify
from shuzheng.core.permissions import missing_permission
from shuzheng.evaluation import selectors
from shuzheng.evaluation.constants import REASON_MAX_LENGTH, RectificationStatus
from shuzheng.evaluation.models import Evaluation, Rectification, RectificationEvent
from shuzheng.evaluation.services.common import clean_reason, link, person, require_perm_in_scope, text
from shuzheng.evaluation.workflow import ACTION_TARGETS, RECTIFICATION, RectificationAction
from shuzheng.identity.actors import Actor, is_user

if TYPE_CHECKING:
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department

RESULT_MAX_LENGTH = 2000


def rectification_snapshot(rectification: Rectification) -> dict[str, Any]:
    return {
        "evaluation_id": rectification.evaluation_id,
        "department_id": rectification.department_id,
        "owner_id": rectification.owner_id,
        "status": rectification.status,
        "due_date": rectification.due_date.isoformat(),
        "return_visit_required": rectification.return_visit_required,
        "return_visited": rectification.return_visited_at is not None,
        "result_length": len(rectification.result),
        "checked_by_id": rectification.checked_by_id,
        "check_note": rectification.check_note,
    }


def _notify_owner(rectification: Rectification, *, title: str, body: str, event: str) -> None:
    if rectification.owner_id is None:
        return
    notify(
        recipient=rectification.owner,
        kind="evaluation.rectification",
        title=title,
        body=body,
        link=link("evaluation:rectification_detail", rectification.pk),
        dedupe_key=f"evaluation.rectification:{rectification.pk}:{event}:{rectification.owner_id}",
    )


def open_rectification(*, actor: Actor, evaluation: Evaluation) -> Rectification:
    """Called by the rating services for a bad review, inside their transaction."""
    department = evaluation.department
    days = int(getattr(settings, "SHUZHENG_RECTIFICATION_DAYS", 15))
    due = add_working_days(timezone.localdate(), days)
    rectification = Rectification.objects.create(
        evaluation=evaluation,
        department=department,
        owner=selectors.pick_rectification_owner(department=department),
        status=RectificationStatus.OPEN,
        due_date=due,
        return_visit_required=evaluation.real_name or bool(evaluation.contact),
    )
    RectificationEvent.objects.create(
        rectification=rectification,
        from_status="",
        to_status=RectificationStatus.OPEN,
        action="open",
        actor=person(actor),
        occurred_at=timezone.now(),
        note=f"收到“{evaluation.get_level_display()}”评价，整改期限 {due:%Y-%m-%d}",
    )
    audit.record(
        actor=actor,
        action="evaluation.rectification.open",
        subject=rectification,
        after=rectification_snapshot(rectification),
    )
    visit = "，并先回访评价人" if rectification.return_visit_required else ""
    _notify_owner(
        rectification,
        title=f"差评整改：{department.name}收到一条“{evaluation.get_level_display()}”评价",
        body=f"请在 {due:%Y年%m月%d日} 前完成整改{visit}。",
        event="assigned",
    )
    return rectification


@transaction.atomic
def rectification_transition(
    *,
    actor: Actor,
    rectification: Rectification,
    action: RectificationAction,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Rectification:
    """The only writer of a rectification's status: locks the row, asks the transition table, applies
    `changes`, writes one history row and one audit event. Callers check permissions and inputs."""
    locked = Rectification.objects.select_for_update().get(pk=rectification.pk)
    to_status = RECTIFICATION.target(locked.status, action)
    if to_status is None:
        current = RectificationStatus(locked.status).label
        target = RectificationStatus(ACTION_TARGETS[action]).label
        raise Conflict(
            f"当前状态为“{current}”，不能改为“{target}”。请刷新后重试。", code="transition_not_allowed"
        )
    before = rectification_snapshot(locked)
    from_status = locked.status
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.status = to_status
    locked.save()
    RectificationEvent.objects.create(
        rectification=locked,
        from_status=from_status,
        to_status=to_status,
        action=action,
        actor=person(actor),
        occurred_at=timezone.now(),
        note=note,
    )
    audit.record(
        actor=actor,
        action=f"evaluation.rectification.{action}",
        subject=locked,
        before=before,
        after=rectification_snapshot(locked),
    )
    return locked


@transaction.atomic
def rectification_record_return_visit(
    *, actor: Actor, rectification: Rectification, note: str
) -> Rectification:
    """回访: the handler records the return visit to the evaluator (what was said, what was agreed)."""
    require_perm_in_scope(actor, selectors.CHANGE_RECTIFICATION, rectification.department, "处理差评整改")
    errs = FieldErrors()
    visit_note = clean_reason(errs, "note", "回访记录", note)
    errs.raise_if_any()
    return rectification_transition(
        actor=actor,
        rectification=rectification,
        action=RectificationAction.RETURN_VISIT,
        note=visit_note,
        changes={"return_visited_at": timezone.now(), "return_visit_note": visit_note},
    )


@transaction.atomic
def rectification_submit_result(*, actor: Actor, rectification: Rectification, result: str) -> Rectification:
    """整改结果: what was changed. A rectification that needs a return visit must have one recorded first."""
    require_perm_in_scope(actor, selectors.CHANGE_RECTIFICATION, rectification.department, "处理差评整改")
    errs = FieldErrors()
    result_text = clean_reason(errs, "result", "整改结果", result, max_length=RESULT_MAX_LENGTH)
    errs.raise_if_any()
    fresh = Rectification.objects.get(pk=rectification.pk)
    if fresh.return_visit_required and fresh.return_visited_at is None:
        raise Conflict("实名差评须先回访评价人：请先记录回访，再提交整改结果。", code="return_visit_required")
    return rectification_transition(
        actor=actor,
        rectification=rectification,
        action=RectificationAction.RESULT,
        note=result_text,
        changes={"result": result_text, "rectified_at": timezone.now()},
    )


@transaction.atomic
def rectification_check(
    *, actor: Actor, rectification: Rectification, passed: bool, note: str = ""
) -> Rectification:
    """核查 by the supervising department: pass → verified; fail → back to the handler with the reason."""
    checker = require_perm_in_scope(
        actor, selectors.CHECK_RECTIFICATION, rectification.department, "核查差评整改"
    )
    if checker is not None and rectification.owner_id == checker.pk:
        raise PermissionDenied("不能核查本人负责的整改。")
    errs = FieldErrors()
    if not isinstance(passed, bool):
        errs.add("passed", "请选择核查结论（通过或不通过）")
    check_note = text(note)
    if passed is False:
        check_note = clean_reason(errs, "note", "核查不通过的理由", note)
    elif len(check_note) > REASON_MAX_LENGTH:
        errs.add("note", f"核查意见不能超过{REASON_MAX_LENGTH}个字")
    errs.raise_if_any()
    changes = {"checked_by": checker, "checked_at": timezone.now(), "check_note": check_note}
    if passed:
        return rectification_transition(
            actor=actor,
            rectification=rectification,
            action=RectificationAction.CHECK_PASS,
            note=check_note,
            changes=changes,
        )
    updated = rectification_transition(
        actor=actor,
        rectification=rectification,
        action=RectificationAction.CHECK_FAIL,
        note=check_note,
        changes=changes,
    )
    _notify_owner(
        updated,
        title="差评整改核查未通过，请重新整改",
        body=f"核查意见：{check_note}",
        event=f"rejected-{updated.history.count()}",
    )
    return updated


def _require_assigner(actor: Actor, department: Department) -> None:
    """Handlers or supervisors of the department may assign; the platform may."""
    if is_system(actor):
        return
    if not is_user(actor):
        raise AuthenticationRequired()
    if selectors.covers(actor, selectors.CHANGE_RECTIFICATION, department) or selectors.covers(
        actor, selectors.CHECK_RECTIFICATION, department
    ):
        return
    if actor.has_perm(selectors.CHANGE_RECTIFICATION) or actor.has_perm(selectors.CHECK_RECTIFICATION):
        raise NotFound()
    raise PermissionDenied(f"没有分派差评整改的权限{missing_permission(selectors.CHANGE_RECTIFICATION)}")


@transaction.atomic
def rectification_assign(*, actor: Actor, rectification: Rectification, owner: User | None) -> Rectification:
    """Give the rectification to another handler of its department."""
    department = rectification.department
    _require_assigner(actor, department)
    handlers = selectors.rectification_handlers(department=department)
    if owner is None or not handlers.filter(pk=owner.pk).exists():
        raise ValidationFailed.for_field("owner_id", f"该用户不是{department.name}的差评整改处理人员")
    locked = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if RECTIFICATION.is_final(locked.status):
        raise Conflict("整改已办结，不能再分派。", code="rectification_closed")
    if locked.owner_id == owner.pk:
        return locked
    before = rectification_snapshot(locked)
    locked.owner = owner
    locked.save(update_fields=["owner", "updated_at"])
    audit.record(
        actor=actor,
        action="evaluation.rectification.assign",
        subject=locked,
        before=before,
        after=rectification_snapshot(locked),
    )
    _notify_owner(
        locked,
        title=f"差评整改分派给您：{department.name}",
        body=f"请在 {locked.due_date:%Y年%m月%d日} 前完成整改。",
        event="assigned",
    )
    return locked
