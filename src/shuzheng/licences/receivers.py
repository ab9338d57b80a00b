"""Reactions to the cases context's ``case_status_changed`` (cases may not import licences): 用证 at
acceptance, the decision document at approval and refusal, and the licences an approved item produces.
Run inside the case's transaction, so they commit or roll back with the move."""

from __future__ import annotations

from typing import Any

from shuzheng.cases.workflow import CaseAction
from shuzheng.licences.constants import DecisionKind
from shuzheng.licences.services import casework, decisions


def on_case_status_changed(sender: Any, *, case_id: int, action: str, actor: Any, **kwargs: Any) -> None:
    if action in (CaseAction.ACCEPT, CaseAction.ACCEPT_WITH_DEFERRAL):
        casework.record_uses(actor=actor, case_id=case_id)
    elif action == CaseAction.APPROVE:
        decisions.decision_issue(case_id=case_id, kind=DecisionKind.APPROVAL)
        casework.issue_for_case(case_id=case_id)
    elif action == CaseAction.REFUSE:
        decisions.decision_issue(case_id=case_id, kind=DecisionKind.REFUSAL)
