"""秒批: the platform accepts, approves, delivers electronically and concludes a submitted case in one
transaction, when a higher context (instant_approval) found every condition of the item's rules met.

Each move is an ordinary row of the case's history (no person acting), with its audit event (actor the
platform), the applicant's notices and `case_status_changed` — so the decision document is issued and a
一件事 follows its child exactly as for a clerk's decision. `closing.case_revoke_decision` revokes one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from django.db import transaction

from shuzheng.cases import deadlines, selectors
from shuzheng.cases.constants import CaseStatus, Decision, DeliveryMethod
from shuzheng.cases.models import Case
from shuzheng.cases.services.common import case_snapshot, check_version, lock_case, now_or, refuse_nul
from shuzheng.cases.services.transition import note_text, record_move
from shuzheng.cases.workflow import TRANSITIONS, CaseAction
from shuzheng.core.actors import SystemActor, is_system
from shuzheng.core.errors import Conflict, PermissionDenied

A = CaseAction
#: The moves of an automatic decision, from submitted to concluded.
AUTOMATIC_PATH: Final = (A.ACCEPT, A.START_REVIEW, A.APPROVE, A.DELIVER, A.CONCLUDE)


@transaction.atomic
def case_decide_automatically(
    *,
    actor: SystemActor,
    case: Case | int,
    expected_version: int,
    reasons: str,
    legal_basis: str,
    basis: dict[str, Any],
    at: datetime | None = None,
) -> Case:
    """Approve a submitted case on the platform's own authority; `basis` (rule set and its version, the
    conditions' results) goes into the approval's history row. Only the platform may; only from
    submitted, with no 容缺 materials and not a 跨省通办 case (Conflict otherwise, nothing written)."""
    if not is_system(actor):
        raise PermissionDenied("自动审批只能由平台作出。")
    refuse_nul({"reasons": reasons, "legal_basis": legal_basis, "basis": basis})
    text = note_text(reasons, "reasons", "决定理由", required=True)
    law = note_text(legal_basis, "legal_basis", "法律依据")
    locked = lock_case(case)
    check_version(locked, expected_version)
    if locked.status != CaseStatus.SUBMITTED:
        raise Conflict("只有已提交、尚未受理的办件可以自动审批。", code="transition_not_allowed")
    if locked.target_region:
        raise Conflict("跨省通办代收件不能自动审批。", code="cross_region_case")
    if selectors.outstanding_deferred(locked):
        raise Conflict("申请了容缺材料的办件不能自动审批。", code="deferred_materials")
    now = now_or(at)
    for action in AUTOMATIC_PATH:
        target = TRANSITIONS.target(locked.status, action)
        assert target is not None  # the path follows the table (tests walk it)
        before = case_snapshot(locked)
        details: dict[str, Any] = {"automatic": True}
        note = ""
        if action == A.ACCEPT:
            locked.accepted_at = now
            deadlines.start_clock(locked)
        elif action == A.START_REVIEW:
            locked.current_step = None
            locked.step_department = None
            locked.acting_user = None
        elif action == A.APPROVE:
            locked.decision = Decision.APPROVED
            locked.decision_reasons = text
            locked.decision_legal_basis = law
            locked.decided_at = now
            locked.decided_by = None
            note = text
            details.update(decision=Decision.APPROVED, legal_basis=law, basis=basis)
        elif action == A.DELIVER:
            locked.delivery_method = DeliveryMethod.ELECTRONIC
            locked.delivered_at = now
            details.update(method=DeliveryMethod.ELECTRONIC)
        else:
            locked.concluded_at = now
        record_move(
            actor=actor, case=locked, target=target, action=action, at=now, note=note, details=details,
            before=before,
        )  # fmt: skip
    return locked
