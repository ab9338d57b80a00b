"""Deadline reminders: tell whoever acts on a running case that it is about to fall, or has fallen, due.

Recipients: the case's acting clerk; without one, every active user holding the role of the stage the
case is in, for the department acting on it — the acceptance role before acceptance, the role of the
current workflow step during review (the first review step's once accepted), the last step's role
when all steps are done. One in-app notification per recipient, case, state and day (``dedupe_key``),
so running the task every hour, or twice, sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shuzheng.cases import selectors
from shuzheng.cases.access import case_steps
from shuzheng.cases.constants import CaseStatus, DeadlineState
from shuzheng.cases.models import Case
from shuzheng.cases.workflow import ACCEPTANCE_ROLE, decision_step, review_steps
from shuzheng.core.notifications import notify
from shuzheng.identity import selectors as identity_selectors

#: Who decides when the version has no workflow steps at all.
DECISION_ROLE: Final = "case_approver"
KINDS: Final = {
    DeadlineState.WARNING: "case.deadline_warning",
    DeadlineState.OVERDUE: "case.deadline_overdue",
}


@dataclass(frozen=True)
class ReminderRun:
    cases: int
    notifications: int


def workbench_link(case: Case) -> str:
    try:
        return reverse("cases:workbench_case", kwargs={"case_id": case.pk})
    except NoReverseMatch:
        return f"/workbench/cases/{case.pk}/"


def _stage(case: Case) -> tuple[str, int]:
    """(role code, department id) of whoever should act on the case now."""
    if case.status == CaseStatus.SUBMITTED:
        return ACCEPTANCE_ROLE, case.department_id
    if case.current_step is not None:
        return case.current_step.role_code, case.step_department_id or case.department_id
    steps = case_steps(case)
    if case.status == CaseStatus.ACCEPTED:  # waiting to be handed over to review
        upcoming = review_steps(steps)
        if upcoming:
            return upcoming[0].role_code, upcoming[0].department_id or case.department_id
        return ACCEPTANCE_ROLE, case.department_id
    last = decision_step(steps)
    if last is not None:
        return last.role_code, last.department_id or case.department_id
    return DECISION_ROLE, case.department_id


def recipients(case: Case, cache: dict[tuple[str, int], list[Any]] | None = None) -> list[Any]:
    if case.acting_user is not None and case.acting_user.is_active:
        return [case.acting_user]
    key = _stage(case)
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = identity_selectors.users_with_role_for_department(*key)
    return cache[key]


def send_reminders(*, now: datetime | None = None) -> ReminderRun:
    """Notify about every running case in warning or overdue; idempotent per day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cache: dict[tuple[str, int], list[Any]] = {}
    cases = sent = 0
    for case in selectors.cases_needing_reminder(now=now).iterator(chunk_size=500):
        state = case.deadline_state  # type: ignore[attr-defined]
        if state not in KINDS:
            continue
        cases += 1
        due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else ""
        if state == DeadlineState.OVERDUE:
            title = f"办件已超期：{case.number}"
            body = f"“{case.version.name}”已超过承诺办结期限（{due}），请尽快办理。"
        else:
            title = f"办件即将到期：{case.number}"
            body = f"“{case.version.name}”将于{due}到期，请及时办理。"
        for user in recipients(case, cache):
            created = notify(
                recipient=user,
                kind=KINDS[state],
                title=title,
                body=body,
                link=workbench_link(case),
                dedupe_key=f"case:{case.pk}:{state}:{today:%Y%m%d}",
            )
            sent += created is not None
    return ReminderRun(cases=cases, notifications=sent)
