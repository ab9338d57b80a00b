"""After the decision, and leaving early: deliver the result (送达), conclude (办结), withdraw (撤回), and
revoke an automatic decision (撤销自动审批决定)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from shuzheng.cases import deadlines, selectors
from shuzheng.cases.access import NOT_AUTOMATIC, case_steps, is_automatic_decision
from shuzheng.cases.constants import CaseStatus, DeliveryMethod
from shuzheng.cases.models import Case
from shuzheng.cases.services.common import refuse_nul
from shuzheng.cases.services.transition import Move, enter_step, note_text, transition
from shuzheng.cases.services.uploads import lock_uploads, take_upload
from shuzheng.cases.workflow import CaseAction, review_steps
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.identity.actors import Actor


@transaction.atomic
def case_deliver(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    method: str | None = None,
    result_upload_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """送达 by pick-up, post or electronically, optionally with the result document (uploaded first)."""
    refuse_nul({"method": method, "note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note)
        if method not in DeliveryMethod.values:
            raise ValidationFailed.for_field("method", "送达方式应为窗口领取、邮寄送达或电子送达")
        if result_upload_id is not None:
            upload = take_upload(
                move.user, result_upload_id, field="result_upload_id", locked=lock_uploads([result_upload_id])
            )
            move.case.result_file = upload.file.name
            upload.delete()  # the file now belongs to the case
        move.case.delivery_method = method
        move.case.delivered_at = move.at
        return text, {"method": method, "result_file": bool(move.case.result_file)}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.DELIVER,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_conclude(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """办结: a forwarded case once the target region's reference is recorded."""
    refuse_nul({"note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note)
        if move.case.status == CaseStatus.FORWARDED and not move.case.remote_reference:
            raise Conflict("请先登记目标地区的受理编号，再办结转办件。", code="remote_reference_missing")
        move.case.concluded_at = move.at
        move.case.acting_user = None
        move.case.paused_since = None
        return text, {}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.CONCLUDE,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_withdraw(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    reason: str | None = None,
    at: datetime | None = None,
) -> Case:
    """The applicant (or a clerk on their behalf) withdraws before the decision."""
    refuse_nul({"reason": reason})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(reason, "reason", "撤回原因")
        move.case.concluded_at = move.at
        move.case.acting_user = None
        move.case.current_step = None
        move.case.step_department = None
        if move.case.paused_since is not None:
            deadlines.restart_clock(move.case, at=move.at)
        return text, {"by_applicant": selectors.is_applicant(move.user, move.case)}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.WITHDRAW,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_revoke_decision(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    reason: str | None = None,
    at: datetime | None = None,
) -> Case:
    """撤销自动审批决定: a concluded case the platform approved (秒批) goes back to review at its decision
    step, the decision and delivery cleared, for a person to decide; reasons required."""
    refuse_nul({"reason": reason})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(reason, "reason", "撤销理由", required=True)
        if not is_automatic_decision(move.case):
            raise Conflict(NOT_AUTOMATIC, code="not_automatic_decision")
        steps = review_steps(case_steps(move.case))
        enter_step(move.case, steps[-1] if steps else None, move.user)
        decided_at = move.case.decided_at
        revoked = {"decision": move.case.decision, "decided_at": decided_at.isoformat() if decided_at else ""}
        for field in ("decision", "decision_reasons", "decision_legal_basis", "delivery_method"):
            setattr(move.case, field, "")
        move.case.decided_at = move.case.delivered_at = move.case.concluded_at = None
        return text, {"revoked": revoked}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.REVOKE_DECISION,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )
