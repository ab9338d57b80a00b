"""The lifecycles of the appeals context: work orders, appeals and knowledge-base articles — actions,
transition tables (``core.transitions.TransitionTable``) and the permission each work-order action needs.

``work_order_transition`` (services) is the only writer of ``WorkOrder.status``; it looks every move up
in ``WORK_ORDER_TRANSITIONS`` and refuses anything else. The table reads:

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

from shuzheng.appeals.constants import AppealStatus, ArticleStatus, WorkOrderStatus
from shuzheng.core.transitions import TransitionTable

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
WORK_ORDER_TRANSITIONS: Final = TransitionTable(
    {
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
)

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


class AppealAction(models.TextChoices):
    """Moves of an appeal's own status; ``appeal_transition`` (services) is their only writer and writes an
    ``AppealEvent`` for each. An appeal starts as ``pending_dispatch``, as ``reported`` (a grid event)
    or, answered at intake, as ``concluded``; from then on its work order carries it until it closes."""

    ESCALATE = "escalate", "上报派单"
    SELF_HANDLE = "self_handle", "自行处置办结"
    CONCLUDE_DIRECTLY = "conclude_directly", "直接答复办结"
    DISPATCH = "dispatch", "派单"
    MERGE = "merge", "并入已派工单"
    CLOSE = "close", "工单办结"


AS = AppealStatus

APPEAL_TRANSITIONS: Final = TransitionTable(
    {
        (AS.REPORTED, AppealAction.ESCALATE): AS.PENDING_DISPATCH,
        (AS.REPORTED, AppealAction.SELF_HANDLE): AS.CONCLUDED,
        (AS.PENDING_DISPATCH, AppealAction.CONCLUDE_DIRECTLY): AS.CONCLUDED,
        (AS.PENDING_DISPATCH, AppealAction.DISPATCH): AS.DISPATCHED,
        (AS.PENDING_DISPATCH, AppealAction.MERGE): AS.DISPATCHED,
        (AS.DISPATCHED, AppealAction.CLOSE): AS.CLOSED,
    }
)


class ArticleAction(models.TextChoices):
    """Moves of a knowledge-base article; each writes a ``KnowledgeArticleVersion`` row. Editing takes any
    article back to draft (a published answer needs review again)."""

    UPDATE = "update", "修改"
    SUBMIT = "submit", "提交审核"
    PUBLISH = "publish", "审核发布"
    REJECT = "reject", "退回修改"
    RETIRE = "retire", "下线"


KS = ArticleStatus

ARTICLE_TRANSITIONS: Final = TransitionTable(
    {
        (KS.DRAFT, ArticleAction.UPDATE): KS.DRAFT,
        (KS.IN_REVIEW, ArticleAction.UPDATE): KS.DRAFT,
        (KS.PUBLISHED, ArticleAction.UPDATE): KS.DRAFT,
        (KS.RETIRED, ArticleAction.UPDATE): KS.DRAFT,
        (KS.DRAFT, ArticleAction.SUBMIT): KS.IN_REVIEW,
        (KS.IN_REVIEW, ArticleAction.PUBLISH): KS.PUBLISHED,
        (KS.IN_REVIEW, ArticleAction.REJECT): KS.DRAFT,
        (KS.PUBLISHED, ArticleAction.RETIRE): KS.RETIRED,
    }
)
