"""The one way a case changes status, shared by every per-action service: lock the case, check who acts
(`cases.access`), the version and the transition table, let the action validate and apply its own data,
then write the status, one CaseStatusChange, the applicant's notice and one audit event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone

from shuzheng.cases import deadlines, notices
from shuzheng.cases.access import authorise
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case, CaseStatusChange
from shuzheng.cases.services.common import case_snapshot, check_version, lock_case, now_or, text
from shuzheng.cases.signals import case_status_changed
from shuzheng.cases.workflow import TRANSITIONS, CaseAction
from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.catalog.models import WorkflowStep
    from shuzheng.identity.models import User

NOTE_MAX: Final = 2000


@dataclass(frozen=True)
class Move:
    """One action under way: who acts, the locked case, and when."""

    user: User
    case: Case
    at: datetime


#: An action's own part: validate its data, change the locked case, return (note, history data).
Apply = Callable[[Move], tuple[str, dict[str, Any]]]


def checked(*, actor: Actor, case: Case | int, action: str, expected_version: int) -> tuple[User, Case, str]:
    """Lock the case; the actor may take `action` on it (permission and data scope — another scope's case
    is NotFound; applicant actions need the applicant or a clerk with ``cases.intake_case``); the version
    is current (else Conflict "办件已被他人更新，请刷新后重试"); the table allows it from the current status
    (else Conflict). The acting user, the locked case and the status it moves to."""
    locked = lock_case(case)
    user = authorise(actor, locked, action)
    check_version(locked, expected_version)
    target = TRANSITIONS.target(locked.status, action)
    if target is None:
        raise Conflict(
            f"办件当前状态为“{CaseStatus(locked.status).label}”，不能“{CaseAction(action).label}”。",
            code="transition_not_allowed",
        )
    return user, locked, target


def transition(
    *,
    actor: Actor,
    case: Case | int,
    action: CaseAction,
    expected_version: int,
    at: datetime | None,
    apply: Apply,
) -> Case:
    """The `checked` move, then the action's own data and rules (`apply`); bumps ``lock_version``.
    Callers run inside their own ``transaction.atomic``."""
    user, locked, target = checked(actor=actor, case=case, action=action, expected_version=expected_version)
    now = now_or(at)
    before = case_snapshot(locked)
    note, details = apply(Move(user, locked, now))
    return record_move(
        actor=user, case=locked, target=target, action=action, at=now, note=note, details=details,
        before=before,
    )  # fmt: skip


def record_move(
    *,
    actor: User | SystemActor,
    case: Case,
    target: str,
    action: CaseAction,
    at: datetime,
    note: str,
    details: dict[str, Any],
    before: dict[str, Any],
) -> Case:
    """Write a checked move of the locked case: its status and version, one CaseStatusChange (no person
    for the platform), the applicant's notice, one audit event and the `case_status_changed` signal."""
    from_status = case.status
    person = None if isinstance(actor, SystemActor) else actor
    case.status = target
    case.lock_version += 1
    case.save()
    change = CaseStatusChange.objects.create(
        case=case,
        from_status=from_status,
        to_status=target,
        action=action,
        actor=person,
        occurred_at=at,
        note=note,
        data=details,
    )
    notices.notify_applicant(case, change)
    audit.record(
        actor=actor,
        action=f"cases.case.{action}",
        subject=case,
        before=before,
        after={**case_snapshot(case), **{k: v for k, v in details.items() if k != "items"}},
    )
    case_status_changed.send(
        sender=Case, case_id=case.pk, from_status=from_status, to_status=target, action=action, actor=actor
    )
    return case


# --- helpers the actions share ------------------------------------------------------------------------


def note_text(value: Any, field: str = "note", label: str = "说明", *, required: bool = False) -> str:
    return text(value, field=field, label=label, max_length=NOTE_MAX, required=required)


def as_date(value: Any, *, field: str, label: str) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed.for_field(field, f"{label}格式应为 YYYY-MM-DD") from exc


def bounded_int(value: Any, *, field: str, label: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.for_field(field, f"{label}应为整数")
    if not low <= value <= high:
        raise ValidationFailed.for_field(field, f"{label}应在{low}到{high}之间")
    return value


def enter_step(case: Case, step: WorkflowStep | None, user: User) -> None:
    """Put the case at `step` (None: every step done); the user stays its acting clerk if they hold the
    step's role."""
    case.current_step = step
    if step is None:
        case.step_department_id = None
        case.acting_user = None
        return
    department_id = step.department_id or case.department_id
    case.step_department_id = department_id
    holds = identity_selectors.user_has_role_for_department(user, step.role_code, department_id)
    case.acting_user = user if holds else None


def start_clock(move: Move) -> None:
    """Acceptance: the acting clerk takes the case and the promised-limit clock starts."""
    move.case.accepted_at = move.at
    move.case.acting_user = move.user
    deadlines.start_clock(move.case)
