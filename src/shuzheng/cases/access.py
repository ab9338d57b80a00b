"""Who may take which action on a case: permission, data scope, applicant ownership and the workflow-step
role. The services refuse with these checks and the pages and API offer buttons with them, so nothing
offered is then refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from shuzheng.cases import selectors
from shuzheng.cases.constants import Decision
from shuzheng.cases.models import Case
from shuzheng.cases.workflow import (
    ACTION_PERMISSIONS,
    APPLICANT_ACTIONS,
    INTAKE_PERMISSION,
    TRANSITIONS,
    VIEW_PERMISSION,
    CaseAction,
    decision_step,
)
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.actors import Actor, is_user
from shuzheng.identity.constants import UserKind

if TYPE_CHECKING:
    from shuzheng.catalog.models import WorkflowStep
    from shuzheng.identity.models import User

OUT_OF_SCOPE: Final = "办件不存在或不在您的数据范围内。"


def signed_in(actor: Actor) -> User:
    """The signed-in user acting; anyone else (anonymous, the platform) is asked to log in."""
    if not is_user(actor) or not actor.is_authenticated:
        raise AuthenticationRequired()
    return actor


def is_staff(actor: Actor) -> bool:
    return is_user(actor) and actor.kind == UserKind.STAFF


def authorise(actor: Actor, case: Case, action: str) -> User:
    """Permission, data scope and (for applicant actions) ownership; NotFound outside the scope."""
    user = signed_in(actor)
    if action in APPLICANT_ACTIONS:
        if selectors.is_applicant(user, case):
            return user
        on_behalf = is_staff(user) and user.has_perm(INTAKE_PERMISSION)
        if on_behalf and (
            case.submitted_by_id == user.pk
            or selectors.case_in_scope(user=user, case=case, permission=INTAKE_PERMISSION)
        ):
            return user
        if is_staff(user) and selectors.case_in_scope(user=user, case=case, permission=VIEW_PERMISSION):
            raise PermissionDenied("只有申请人本人或窗口工作人员可以代为办理。")
        raise NotFound(OUT_OF_SCOPE)
    if not is_staff(user):
        if selectors.is_applicant(user, case):
            raise PermissionDenied("该操作由工作人员办理。")
        raise NotFound(OUT_OF_SCOPE)
    permission = ACTION_PERMISSIONS[action]
    if not user.has_perm(permission):
        if selectors.case_in_scope(user=user, case=case, permission=VIEW_PERMISSION):
            raise PermissionDenied(f"没有“{CaseAction(action).label}”的权限。")
        raise NotFound(OUT_OF_SCOPE)
    if not selectors.case_in_scope(user=user, case=case, permission=permission):
        raise NotFound(OUT_OF_SCOPE)
    return user


NOT_AUTOMATIC: Final = "只有平台自动作出的审批决定可以撤销。"


def is_automatic_decision(case: Case) -> bool:
    """An approval with no deciding person is the platform's (秒批, `services.automatic`)."""
    return case.decision == Decision.APPROVED and case.decided_by_id is None and case.decided_at is not None


def case_steps(case: Case) -> list[WorkflowStep]:
    """The workflow steps of the version the case was filed under, in order."""
    return catalog_selectors.workflow_steps(case.version_id)


def step_role_refusal(user: User, case: Case, step: WorkflowStep) -> str | None:
    """Why `user` may not act at `step` (they lack its role for its department), in Chinese; or None."""
    department_id = step.department_id or case.department_id
    if identity_selectors.user_has_role_for_department(user, step.role_code, department_id):
        return None
    role = identity_selectors.role_name(step.role_code)
    return f"您不是“{step.name}”环节的办理人员（需要“{role or '该环节'}”角色）。"


def require_step_role(user: User, case: Case, step: WorkflowStep) -> None:
    refusal = step_role_refusal(user, case, step)
    if refusal:
        raise PermissionDenied(refusal, code="not_step_role")


def deciding_step(case: Case) -> WorkflowStep | None:
    """The step whose role decides: the current one, or the last once every step is done; Conflict while
    review steps are still pending."""
    steps = case_steps(case)
    step = case.current_step
    if step is not None and steps and steps[-1].pk != step.pk:
        raise Conflict(f"尚有审查环节未完成（当前：{step.name}），不能作出决定。", code="steps_pending")
    return step or decision_step(steps)


def _step_refusal(user: User, case: Case, action: str) -> str | None:
    """The workflow-step checks the services make for step work and decisions, as a refusal."""
    step: WorkflowStep | None
    if action == CaseAction.COMPLETE_STEP:
        step = case.current_step
        return "审查环节已全部完成，请作出决定。" if step is None else step_role_refusal(user, case, step)
    if action == CaseAction.REVOKE_DECISION:
        return None if is_automatic_decision(case) else NOT_AUTOMATIC
    if action in (CaseAction.APPROVE, CaseAction.REFUSE):
        try:
            step = deciding_step(case)
        except Conflict as exc:
            return exc.detail
        return step_role_refusal(user, case, step) if step is not None else None
    return None


def offered_actions(actor: Actor, case: Case) -> list[str]:
    """The actions to offer `actor` on `case`: allowed from its status, and passing the same permission,
    applicant and workflow-step checks the services make (so nothing offered is then refused)."""
    if not is_user(actor):
        return []
    applicant = selectors.is_applicant(actor, case)
    staff = is_staff(actor)
    in_scope: dict[str, bool] = {}

    def may(permission: str) -> bool:
        if permission not in in_scope:
            in_scope[permission] = actor.has_perm(permission) and selectors.case_in_scope(
                user=actor, case=case, permission=permission
            )
        return in_scope[permission]

    offered = []
    for action in TRANSITIONS.actions_from(case.status):
        if action in APPLICANT_ACTIONS:
            on_behalf = staff and actor.has_perm(INTAKE_PERMISSION)
            if applicant or (on_behalf and (case.submitted_by_id == actor.pk or may(INTAKE_PERMISSION))):
                offered.append(action)
        elif staff and may(ACTION_PERMISSIONS[action]) and _step_refusal(actor, case, action) is None:
            offered.append(action)
    return offered
