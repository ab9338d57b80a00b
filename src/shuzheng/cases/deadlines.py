"""The promised-time-limit clock of a case, in working days (core.calendar), and its derived state.

Stored: ``clock_start`` (day 0: the working day the application counts as received), ``due_at`` (close
of office hours on the last day), ``paused_since`` (the clock is stopped by 补正 or a special procedure)
and ``paused_working_days`` (working days already spent stopped). ``due_at`` moves only when the clock
stops or restarts:

    due_at = deadline_at(received_at, promised_limit_days + paused_working_days)

Derived at query time, never by a timer: `DeadlineState` — ``closed`` once decided or ended,
``stopped`` while paused, ``overdue`` after ``due_at``, ``warning`` from ``warning_days`` working days
before the due date (settings.SHUZHENG_CASE_WARNING_DAYS, default 2), else ``on_time``. The warning
boundary is one datetime per query (`state_bounds`), so the queue filters and sorts in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import CharField, Q, QuerySet, Value, When
from django.utils import timezone

from shuzheng.cases.constants import DeadlineState
from shuzheng.cases.workflow import CLOCK_CLOSED, CLOCK_STOPPED
from shuzheng.core import calendar

if TYPE_CHECKING:
    from shuzheng.cases.models import Case

DEFAULT_WARNING_DAYS = 2


def warning_days() -> int:
    return int(getattr(settings, "SHUZHENG_CASE_WARNING_DAYS", DEFAULT_WARNING_DAYS))


def compute_due_at(*, received_at: datetime, limit_days: int, paused_working_days: int = 0) -> datetime:
    """Close of office hours on the last working day of the limit, counted from the day of receipt."""
    return calendar.deadline_at(received_at, limit_days + paused_working_days)


def paused_days(*, since: datetime, until: datetime) -> int:
    """Working days the clock stood still: working days in (since, until], at least 0."""
    return max(0, calendar.working_days_between(since, until))


def start_clock(case: Case) -> None:
    """At acceptance: day 0 and the due time from the promised limit plus time already stopped."""
    case.clock_start = calendar.effective_start(case.received_at)
    case.due_at = compute_due_at(
        received_at=case.received_at,
        limit_days=case.version.promised_limit_days,
        paused_working_days=case.paused_working_days,
    )


def stop_clock(case: Case, *, at: datetime) -> None:
    if case.paused_since is None:
        case.paused_since = at


def restart_clock(case: Case, *, at: datetime) -> int:
    """Add the working days spent stopped and move due_at; returns those days."""
    if case.paused_since is None:
        return 0
    days = paused_days(since=case.paused_since, until=at)
    case.paused_working_days += days
    case.paused_since = None
    case.due_at = compute_due_at(
        received_at=case.received_at,
        limit_days=case.version.promised_limit_days,
        paused_working_days=case.paused_working_days,
    )
    return days


@dataclass(frozen=True)
class StateBounds:
    """The two instants that split running clocks into overdue / warning / on time at `now`."""

    now: datetime
    warning_from: datetime  # due_at at or before this is in warning (if not yet overdue)


def state_bounds(now: datetime | None = None, *, days: int | None = None) -> StateBounds:
    now = now or timezone.now()
    days = warning_days() if days is None else days
    horizon: date = calendar.add_working_days(now, days)
    _, closes = calendar.office_hours()
    return StateBounds(now=now, warning_from=datetime.combine(horizon, closes, tzinfo=calendar.OFFICE_TZ))


def deadline_state(case: Any, bounds: StateBounds | None = None) -> str:
    """The state of one case in Python (same rules as `annotate_state`)."""
    return state_of(case.status, case.due_at, bounds or state_bounds())


def state_of(status: str, due_at: datetime | None, bounds: StateBounds) -> str:
    """`deadline_state` from the two columns it reads (a queue row holds no Case)."""
    if status in CLOCK_CLOSED:
        return DeadlineState.CLOSED
    if status in CLOCK_STOPPED or due_at is None:
        return DeadlineState.STOPPED
    if due_at < bounds.now:
        return DeadlineState.OVERDUE
    if due_at <= bounds.warning_from:
        return DeadlineState.WARNING
    return DeadlineState.ON_TIME


def state_q(state: str, bounds: StateBounds) -> Q:
    """The rows in `state`, as a filter usable with the (department|division, status, due_at) indexes."""
    running = ~Q(status__in=CLOCK_CLOSED | CLOCK_STOPPED) & Q(due_at__isnull=False)
    if state == DeadlineState.CLOSED:
        return Q(status__in=CLOCK_CLOSED)
    if state == DeadlineState.STOPPED:
        return Q(status__in=CLOCK_STOPPED) | (~Q(status__in=CLOCK_CLOSED) & Q(due_at__isnull=True))
    if state == DeadlineState.OVERDUE:
        return running & Q(due_at__lt=bounds.now)
    if state == DeadlineState.WARNING:
        return running & Q(due_at__gte=bounds.now, due_at__lte=bounds.warning_from)
    if state == DeadlineState.ON_TIME:
        return running & Q(due_at__gt=bounds.warning_from)
    raise ValueError(state)


def annotate_state(queryset: QuerySet[Any], bounds: StateBounds) -> QuerySet[Any]:
    """Add ``deadline_state`` computed in SQL (a CASE expression over status and due_at)."""
    return queryset.annotate(
        deadline_state=SqlCase(
            When(status__in=CLOCK_CLOSED, then=Value(DeadlineState.CLOSED.value)),
            When(status__in=CLOCK_STOPPED, then=Value(DeadlineState.STOPPED.value)),
            When(due_at__isnull=True, then=Value(DeadlineState.STOPPED.value)),
            When(due_at__lt=bounds.now, then=Value(DeadlineState.OVERDUE.value)),
            When(due_at__lte=bounds.warning_from, then=Value(DeadlineState.WARNING.value)),
            default=Value(DeadlineState.ON_TIME.value),
            output_field=CharField(),
        )
    )


def remaining_working_days(case: Any, now: datetime | None = None) -> int | None:
    """Working days left until the due date (negative when overdue); None without a running clock."""
    if case.due_at is None or case.status in CLOCK_CLOSED or case.status in CLOCK_STOPPED:
        return None
    return calendar.working_days_between(now or timezone.now(), case.due_at)
