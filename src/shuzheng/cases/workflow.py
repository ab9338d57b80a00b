"""The case lifecycle: actions, the transition table, who may act, and where the clock runs.

The per-action services (``cases.services``) are the only writers of `Case.status`; each looks its move up
in `TRANSITIONS` and refuses anything else. In words:

- submitted → accepted (accept, or accept_with_deferral: 容缺受理 with a due date for the non-key
  materials deferred) | not_accepted (reject, with reasons) | correction_requested (request_correction:
  one complete list, the clock stops, 5 working days to answer by default) | forwarded (forward: a
  跨省通办 case received here for another region);
- correction_requested → submitted (respond_correction, by the applicant; the clock restarts) |
  not_accepted (reject, once the respond-by date has passed);
- accepted → under_review (start_review: at the version's first workflow step);
- under_review → under_review (complete_step: the next step, or none left = ready for decision) |
  suspended (suspend: hearing, inspection, expert review; the clock stops) | approved / refused
  (approve / refuse, with reasons and legal basis — both required to refuse);
- suspended → under_review (resume);
- approved / refused → delivered (deliver: pick-up, post or electronic) → concluded (conclude);
- forwarded → concluded (conclude, once the target region's reference is recorded);
- concluded → under_review (revoke_decision: an automatic decision (秒批, taken by the platform, no deciding
  person) revoked with reasons by a reviewer; a person then decides at the decision step);
- any state before the decision → withdrawn (withdraw, by the applicant).

Workflow steps (``ServiceItemVersion.steps``, each with the identity role that acts on it): leading
steps acted on by the acceptance role ``case_acceptor`` are done by ``accept`` itself; ``start_review``
enters the first step after them; ``complete_step`` needs the current step's role; the decision is taken
by whoever holds the last step's role (at the last step, or once every step is done) — for a 即办件
whose only step is "受理并办结" that is the acceptor.

Choice documented here: answering a correction request returns the case to ``submitted`` so the
acceptor checks the corrected materials again and then accepts, rejects or (rarely) asks again; the
clock restarts at the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar

from django.db import models

from shuzheng.cases.constants import CaseStatus
from shuzheng.core.transitions import TransitionTable

S = CaseStatus
Step = TypeVar("Step", bound=Any)  # catalog.WorkflowStep, anything with role_code


class CaseAction(models.TextChoices):
    ACCEPT = "accept", "受理"
    ACCEPT_WITH_DEFERRAL = "accept_with_deferral", "容缺受理"
    REJECT = "reject", "不予受理"
    REQUEST_CORRECTION = "request_correction", "一次性告知补正"
    RESPOND_CORRECTION = "respond_correction", "提交补正材料"
    FORWARD = "forward", "转办（跨省通办）"
    START_REVIEW = "start_review", "开始审查"
    COMPLETE_STEP = "complete_step", "完成环节"
    SUSPEND = "suspend", "启动特别程序"
    RESUME = "resume", "结束特别程序"
    APPROVE = "approve", "准予许可"
    REFUSE = "refuse", "不予许可"
    DELIVER = "deliver", "送达"
    CONCLUDE = "conclude", "办结"
    WITHDRAW = "withdraw", "撤回申请"
    REVOKE_DECISION = "revoke_decision", "撤销自动审批决定"


A = CaseAction

#: (from status, action) -> to status. Nothing else is allowed.
TRANSITIONS: Final = TransitionTable(
    {
        (S.SUBMITTED, A.ACCEPT): S.ACCEPTED,
        (S.SUBMITTED, A.ACCEPT_WITH_DEFERRAL): S.ACCEPTED,
        (S.SUBMITTED, A.REJECT): S.NOT_ACCEPTED,
        (S.SUBMITTED, A.REQUEST_CORRECTION): S.CORRECTION_REQUESTED,
        (S.SUBMITTED, A.FORWARD): S.FORWARDED,
        (S.SUBMITTED, A.WITHDRAW): S.WITHDRAWN,
        (S.CORRECTION_REQUESTED, A.RESPOND_CORRECTION): S.SUBMITTED,
        (S.CORRECTION_REQUESTED, A.REJECT): S.NOT_ACCEPTED,
        (S.CORRECTION_REQUESTED, A.WITHDRAW): S.WITHDRAWN,
        (S.ACCEPTED, A.START_REVIEW): S.UNDER_REVIEW,
        (S.ACCEPTED, A.WITHDRAW): S.WITHDRAWN,
        (S.UNDER_REVIEW, A.COMPLETE_STEP): S.UNDER_REVIEW,
        (S.UNDER_REVIEW, A.SUSPEND): S.SUSPENDED,
        (S.UNDER_REVIEW, A.APPROVE): S.APPROVED,
        (S.UNDER_REVIEW, A.REFUSE): S.REFUSED,
        (S.UNDER_REVIEW, A.WITHDRAW): S.WITHDRAWN,
        (S.SUSPENDED, A.RESUME): S.UNDER_REVIEW,
        (S.SUSPENDED, A.WITHDRAW): S.WITHDRAWN,
        (S.APPROVED, A.DELIVER): S.DELIVERED,
        (S.REFUSED, A.DELIVER): S.DELIVERED,
        (S.DELIVERED, A.CONCLUDE): S.CONCLUDED,
        (S.FORWARDED, A.CONCLUDE): S.CONCLUDED,
        (S.CONCLUDED, A.REVOKE_DECISION): S.UNDER_REVIEW,
    }
)

#: The permission each staff action needs ("cases.<codename>"); applicant actions are in APPLICANT_ACTIONS.
ACTION_PERMISSIONS: Final[dict[str, str]] = {
    A.ACCEPT: "cases.accept_case",
    A.ACCEPT_WITH_DEFERRAL: "cases.accept_case",
    A.REJECT: "cases.accept_case",
    A.REQUEST_CORRECTION: "cases.accept_case",
    A.FORWARD: "cases.accept_case",
    A.START_REVIEW: "cases.review_case",
    A.COMPLETE_STEP: "cases.review_case",
    A.SUSPEND: "cases.suspend_case",
    A.RESUME: "cases.suspend_case",
    A.APPROVE: "cases.decide_case",
    A.REFUSE: "cases.decide_case",
    A.DELIVER: "cases.deliver_case",
    A.CONCLUDE: "cases.deliver_case",
    A.REVOKE_DECISION: "cases.decide_case",
}

#: Taken by the applicant, or at a window on the applicant's behalf by staff holding INTAKE_PERMISSION.
APPLICANT_ACTIONS: Final = frozenset({A.WITHDRAW, A.RESPOND_CORRECTION})
INTAKE_PERMISSION: Final = "cases.intake_case"
VIEW_PERMISSION: Final = "cases.view_case"

#: Identity role that acts at the acceptance stage (before any workflow step), used for reminders.
ACCEPTANCE_ROLE: Final = "case_acceptor"

# Where the promised-time-limit clock stands in each status (derived, never stored).
CLOCK_RUNNING: Final = frozenset({S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW})
CLOCK_STOPPED: Final = frozenset({S.CORRECTION_REQUESTED, S.SUSPENDED, S.FORWARDED})
CLOCK_CLOSED: Final = frozenset(
    {S.NOT_ACCEPTED, S.APPROVED, S.REFUSED, S.DELIVERED, S.CONCLUDED, S.WITHDRAWN}
)
#: Statuses staff still act on (the default queue).
OPEN_STATUSES: Final = frozenset(
    {S.SUBMITTED, S.CORRECTION_REQUESTED, S.ACCEPTED, S.UNDER_REVIEW, S.SUSPENDED, S.APPROVED, S.REFUSED}
    | {S.DELIVERED, S.FORWARDED}
)
#: No action leaves these (but revoke_decision, which reopens a concluded case the platform decided).
FINAL_STATUSES: Final = frozenset({S.NOT_ACCEPTED, S.CONCLUDED, S.WITHDRAWN})
#: Statuses with a decision made (the applicant can no longer withdraw).
DECIDED_STATUSES: Final = frozenset({S.APPROVED, S.REFUSED, S.DELIVERED, S.CONCLUDED})


def review_steps(steps: Sequence[Step]) -> list[Step]:
    """The steps after acceptance: leading steps acted on by the acceptance role (受理) are what the
    ``accept`` action itself does, so review starts at the first step after them."""
    index = 0
    while index < len(steps) and steps[index].role_code == ACCEPTANCE_ROLE:
        index += 1
    return list(steps[index:])


def decision_step(steps: Sequence[Step]) -> Step | None:
    """The step whose role takes the decision: the last step (for 即办件 the acceptance step itself)."""
    return steps[-1] if steps else None
