"""One entry for callers that name the action at run time (the API's transitions endpoint, the workbench's
action forms): the action's name → its typed service, with the fields it does not take refused."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from django.db import transaction

from shuzheng.cases.models import Case
from shuzheng.cases.services import acceptance, closing, review
from shuzheng.cases.services.common import refuse_nul
from shuzheng.cases.services.transition import checked
from shuzheng.cases.workflow import CaseAction
from shuzheng.core.errors import ValidationFailed
from shuzheng.identity.actors import Actor

A = CaseAction

SERVICES: Final[dict[str, Callable[..., Case]]] = {
    A.ACCEPT: acceptance.case_accept,
    A.ACCEPT_WITH_DEFERRAL: acceptance.case_accept_with_deferral,
    A.REJECT: acceptance.case_reject,
    A.REQUEST_CORRECTION: acceptance.case_request_correction,
    A.RESPOND_CORRECTION: acceptance.case_respond_correction,
    A.FORWARD: acceptance.case_forward,
    A.START_REVIEW: review.case_start_review,
    A.COMPLETE_STEP: review.case_complete_step,
    A.SUSPEND: review.case_suspend,
    A.RESUME: review.case_resume,
    A.APPROVE: review.case_approve,
    A.REFUSE: review.case_refuse,
    A.DELIVER: closing.case_deliver,
    A.CONCLUDE: closing.case_conclude,
    A.WITHDRAW: closing.case_withdraw,
    A.REVOKE_DECISION: closing.case_revoke_decision,
}
_COMMON: Final = frozenset({"actor", "case", "expected_version", "at"})
#: The data fields each action takes (its service's keyword parameters).
FIELDS: Final[dict[str, frozenset[str]]] = {
    action: frozenset(inspect.signature(service).parameters) - _COMMON for action, service in SERVICES.items()
}


@transaction.atomic
def case_act(
    *,
    actor: Actor,
    case: Case | int,
    action: str,
    expected_version: int,
    at: datetime | None = None,
    **data: Any,
) -> Case:
    """Apply the workflow action named `action` (see `workflow.TRANSITIONS`) with its data; empty values
    of fields the action does not take are ignored, others refused (after the checks every action makes)."""
    if action not in CaseAction.values:
        raise ValidationFailed.for_field("action", "未知的办件操作")
    refuse_nul(data)
    taken = FIELDS[action]
    extra = sorted(
        name for name, value in data.items() if name not in taken and value not in (None, "", [], {})
    )
    if extra:  # who may act, the version and the table answer first, as for any action
        checked(actor=actor, case=case, action=action, expected_version=expected_version)
        raise ValidationFailed(
            f"“{CaseAction(action).label}”不需要这些字段：{'、'.join(extra)}",
            errors=[{"field": name, "message": "不允许的字段", "type": "extra_forbidden"} for name in extra],
        )
    wanted = {name: value for name, value in data.items() if name in taken}
    return SERVICES[action](actor=actor, case=case, expected_version=expected_version, at=at, **wanted)
