"""Review and decision: walk the version's workflow steps (each needs its role), stop the clock for a
special procedure (特别程序), and approve or refuse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shuzheng.cases import deadlines, selectors
from shuzheng.cases.access import case_steps, deciding_step, require_step_role
from shuzheng.cases.constants import SuspensionKind
from shuzheng.cases.models import Case, Suspension
from shuzheng.cases.services.common import refuse_nul
from shuzheng.cases.services.transition import Apply, Move, enter_step, note_text, transition
from shuzheng.cases.workflow import CaseAction, review_steps
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.identity.actors import Actor


@transaction.atomic
def case_start_review(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """Review starts at the first workflow step after acceptance; refused while 容缺 materials are overdue."""
    refuse_nul({"note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note)
        today = timezone.localdate(move.at)
        if any(m.deferred_due and m.deferred_due < today for m in selectors.outstanding_deferred(move.case)):
            raise Conflict("容缺材料已过补交期限仍未补交，请先催交或作出处理。", code="deferred_overdue")
        steps = review_steps(case_steps(move.case))
        enter_step(move.case, steps[0] if steps else None, move.user)
        return text, {"step": steps[0].name if steps else ""}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.START_REVIEW,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_complete_step(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """Finish the current step (its role required) and move to the next; none left = ready to decide."""
    refuse_nul({"note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note, "note", "环节意见")
        step = move.case.current_step
        if step is None:
            raise Conflict("审查环节已全部完成，请作出决定。", code="no_current_step")
        require_step_role(move.user, move.case, step)
        steps = review_steps(case_steps(move.case))
        following = [s for s in steps if s.position > step.position]
        enter_step(move.case, following[0] if following else None, move.user)
        if not following:
            move.case.acting_user = None
        return text, {"step": step.name, "next_step": following[0].name if following else ""}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.COMPLETE_STEP,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_suspend(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    kind: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> Case:
    """特别程序 (hearing, inspection, expert review): the clock stops until `case_resume`."""
    refuse_nul({"kind": kind, "reason": reason})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(reason, "reason", "特别程序原因", required=True)
        if kind not in SuspensionKind.values:
            raise ValidationFailed.for_field("kind", "特别程序应为听证、现场勘验或专家评审")
        Suspension.objects.create(case=move.case, kind=kind, reason=text, started_at=move.at)
        deadlines.stop_clock(move.case, at=move.at)
        return text, {"kind": kind}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.SUSPEND,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_resume(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """End the special procedure; the clock restarts and the paused working days are recorded."""
    refuse_nul({"note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note)
        days = deadlines.restart_clock(move.case, at=move.at)
        suspension = move.case.suspensions.filter(ended_at__isnull=True).order_by("-started_at").first()
        if suspension is not None:
            suspension.ended_at = move.at
            suspension.working_days = days
            suspension.save(update_fields=["ended_at", "working_days", "updated_at"])
        return text, {"paused_working_days": days}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.RESUME,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


def _decision(decision: str, reasons: str | None, legal_basis: str | None) -> Apply:
    """The apply step of approve / refuse: at the last step, or once every step is done, whoever holds
    the last step's role decides; refusing needs reasons and legal basis."""
    required = decision == "refused"

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(reasons, "reasons", "决定理由", required=required)
        basis = note_text(legal_basis, "legal_basis", "法律依据", required=required)
        deciding = deciding_step(move.case)
        if deciding is not None:
            require_step_role(move.user, move.case, deciding)
        move.case.decision = decision
        move.case.decision_reasons = text
        move.case.decision_legal_basis = basis
        move.case.decided_at = move.at
        move.case.decided_by = move.user
        move.case.current_step = None
        move.case.step_department = None
        move.case.acting_user = move.user
        return text, {"decision": decision, "legal_basis": basis}

    return apply


@transaction.atomic
def case_approve(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    reasons: str | None = None,
    legal_basis: str | None = None,
    at: datetime | None = None,
) -> Case:
    """准予许可."""
    refuse_nul({"reasons": reasons, "legal_basis": legal_basis})
    return transition(
        actor=actor,
        case=case,
        action=CaseAction.APPROVE,
        expected_version=expected_version,
        at=at,
        apply=_decision("approved", reasons, legal_basis),
    )


@transaction.atomic
def case_refuse(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    reasons: str | None = None,
    legal_basis: str | None = None,
    at: datetime | None = None,
) -> Case:
    """不予许可: reasons and legal basis required."""
    refuse_nul({"reasons": reasons, "legal_basis": legal_basis})
    return transition(
        actor=actor,
        case=case,
        action=CaseAction.REFUSE,
        expected_version=expected_version,
        at=at,
        apply=_decision("refused", reasons, legal_basis),
    )
