"""The work-order lifecycle: actions, the transition table, and the permission each action needs.

``work_order_transition`` (services) is the only writer of ``WorkOrder.status``; it looks every move up
in ``ALLOWED_TRANSITIONS`` and refuses anything else. The table reads:

    (dispatch) ─▶ dispatched ──accept──▶ handling ──reply──▶ replied
        dispatched ──forward (own sub-unit) / reassign (centre)──▶ dispatched
        dispatched ──request_return (reason)──▶ return_requested
            return_requested ──approve_return (centre, 改派) / reject_return──▶ dispatched
        handling ──forward──▶ dispatched;  handling / supervised ──supervise──▶ supervised
        supervised ──reply──▶ replied
        replied ──visit_satisfied / visit_failed / close (not 投诉/举报)──▶ closed
        replied ──reopen (1st 不满意)──▶ handling;  ──escalate (2nd 不满意)──▶ supervised
        replied ──close_unsatisfied (不满意 after 督办)──▶ closed

Reminders (催办), extension decisions and supervision of a work order already under supervision are
recorded as events without a status change (self-loops in the table), so the history is complete.

Choices documented here: a return is only possible before acceptance (a department that accepted
owns the work); a rejected return goes back to ``dispatched`` so the department must sign for it.
"""

from __future__ import annotations

from typing import Final

from django.db import models

from shuzheng.appeals.constants import AppealStatus, WorkOrderStatus

S = WorkOrderStatus


class WorkOrderAction(models.TextChoices):
    ACCEPT = "accept", "签收"
    FORWARD = "forward", "下转（本部门下级单位）"
    REQUEST_RETURN = "request_return", "申请退单"
    APPROVE_RETURN = "approve_return", "同意退单并改派"
    REJECT_RETURN = "reject_return", "驳回退单"
    REASSIGN = "reassign", "改派"
    REPLY = "reply", "答复"
    VISIT_SATISFIED = "visit_satisfied", "回访满意办结"
    VISIT_FAILED = "visit_failed", "回访未成功办结"
    CLOSE = "close", "办结（免回访）"
    REOPEN = "reopen", "不满意重办"
    ESCALATE = "escalate", "再次不满意转督办"
    CLOSE_UNSATISFIED = "close_unsatisfied", "督办后不满意办结"
    REMIND = "remind", "催办"
    SUPERVISE = "supervise", "督办"
    EXTEND = "extend", "延期"


A = WorkOrderAction

#: (from status, action) -> to status. Nothing else is allowed.
ALLOWED_TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (S.DISPATCHED, A.ACCEPT): S.HANDLING,
    (S.DISPATCHED, A.FORWARD): S.DISPATCHED,
    (S.DISPATCHED, A.REQUEST_RETURN): S.RETURN_REQUESTED,
    (S.DISPATCHED, A.REASSIGN): S.DISPATCHED,
    (S.DISPATCHED, A.REMIND): S.DISPATCHED,
    (S.RETURN_REQUESTED, A.APPROVE_RETURN): S.DISPATCHED,
    (S.RETURN_REQUESTED, A.REJECT_RETURN): S.DISPATCHED,
    (S.HANDLING, A.FORWARD): S.DISPATCHED,
    (S.HANDLING, A.REPLY): S.REPLIED,
    (S.HANDLING, A.REMIND): S.HANDLING,
    (S.HANDLING, A.SUPERVISE): S.SUPERVISED,
    (S.HANDLING, A.EXTEND): S.HANDLING,
    (S.SUPERVISED, A.REPLY): S.REPLIED,
    (S.SUPERVISED, A.REMIND): S.SUPERVISED,
    (S.SUPERVISED, A.SUPERVISE): S.SUPERVISED,
    (S.SUPERVISED, A.EXTEND): S.SUPERVISED,
    (S.REPLIED, A.VISIT_SATISFIED): S.CLOSED,
    (S.REPLIED, A.VISIT_FAILED): S.CLOSED,
    (S.REPLIED, A.CLOSE): S.CLOSED,
    (S.REPLIED, A.REOPEN): S.HANDLING,
    (S.REPLIED, A.ESCALATE): S.SUPERVISED,
    (S.REPLIED, A.CLOSE_UNSATISFIED): S.CLOSED,
}

DEPARTMENT_PERM: Final = "appeals.handle_workorder"
CENTRE_PERM: Final = "appeals.dispatch_appeal"
VISIT_PERM: Final = "appeals.visit_workorder"
SUPERVISE_PERM: Final = "appeals.supervise_workorder"

#: The permission an action needs; department actions are also limited to the lead department's tree.
ACTION_PERMS: Final[dict[str, str]] = {
    A.ACCEPT: DEPARTMENT_PERM,
    A.FORWARD: DEPARTMENT_PERM,
    A.REQUEST_RETURN: DEPARTMENT_PERM,
    A.REPLY: DEPARTMENT_PERM,
    A.APPROVE_RETURN: CENTRE_PERM,
    A.REJECT_RETURN: CENTRE_PERM,
    A.REASSIGN: CENTRE_PERM,
    A.EXTEND: CENTRE_PERM,
    A.VISIT_SATISFIED: VISIT_PERM,
    A.VISIT_FAILED: VISIT_PERM,
    A.CLOSE: VISIT_PERM,
    A.REOPEN: VISIT_PERM,
    A.ESCALATE: VISIT_PERM,
    A.CLOSE_UNSATISFIED: VISIT_PERM,
    A.REMIND: SUPERVISE_PERM,
    A.SUPERVISE: SUPERVISE_PERM,
}

DEPARTMENT_ACTIONS: Final = frozenset({A.ACCEPT, A.FORWARD, A.REQUEST_RETURN, A.REPLY})


def target(status: str, action: str) -> str | None:
    """The status `action` leads to from `status`, or None when the table does not allow it."""
    return ALLOWED_TRANSITIONS.get((status, action))


def allowed_actions(status: str) -> list[str]:
    return [action for (source, action) in ALLOWED_TRANSITIONS if source == status]


class AppealAction(models.TextChoices):
    """Moves of an appeal itself (before a work order carries it): a grid worker's event."""

    ESCALATE = "escalate", "上报派单"
    SELF_HANDLE = "self_handle", "自行处置办结"


#: (from status, action) -> to status for ``appeal_transition``; a grid event starts as ``reported``.
APPEAL_TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    (AppealStatus.REPORTED, AppealAction.ESCALATE): AppealStatus.PENDING_DISPATCH,
    (AppealStatus.REPORTED, AppealAction.SELF_HANDLE): AppealStatus.CONCLUDED,
}
