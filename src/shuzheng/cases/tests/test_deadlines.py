"""The promised-time-limit clock around Spring Festival 2026 (holiday 15–23 Feb; make-up workdays
Saturday 14 and Saturday 28 Feb): due dates, stopped clocks, derived states in Python and in SQL."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuzheng.cases import deadlines
from shuzheng.cases.constants import CaseStatus, DeadlineState
from shuzheng.cases.models import Case
from shuzheng.cases.services.actions import case_act
from shuzheng.cases.tests.conftest import World
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.core import calendar

TZ = ZoneInfo("Asia/Shanghai")
FESTIVAL = {date(2026, 2, d) for d in range(15, 24)}


def at(day: int, hour: int = 10, minute: int = 0, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


received = st.datetimes(
    min_value=datetime(2026, 2, 1), max_value=datetime(2026, 3, 10), timezones=st.just(TZ)
)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None)
@given(received_at=received, limit=st.integers(0, 30), paused=st.integers(0, 10))
def test_due_at_is_the_close_of_a_working_day_after_exactly_limit_plus_paused_days(
    received_at: datetime, limit: int, paused: int
) -> None:
    due = deadlines.compute_due_at(received_at=received_at, limit_days=limit, paused_working_days=paused)
    local = due.astimezone(TZ)
    assert local.time() == time(17, 30)
    assert calendar.is_working_day(local.date())
    assert local.date() not in FESTIVAL
    start = calendar.effective_start(received_at)
    assert calendar.working_days_between(start, local.date()) == limit + paused
    later = deadlines.compute_due_at(
        received_at=received_at, limit_days=limit + 1, paused_working_days=paused
    )
    assert later > due


@pytest.mark.django_db
@settings(max_examples=100, deadline=None)
@given(since=received, length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_paused_days_count_only_working_days(since: datetime, length: timedelta) -> None:
    until = since + length
    days = deadlines.paused_days(since=since, until=until)
    expected = sum(
        calendar.is_working_day(since.date() + timedelta(days=i))
        for i in range(1, (until.date() - since.date()).days + 1)
    )
    assert days == expected


@pytest.mark.django_db
def test_spring_festival_examples() -> None:
    # Friday 13 Feb, before closing: day 0 is the 13th; +1 is Saturday 14th (make-up workday), then the
    # holiday, then 24, 25, 26, 27 Feb.
    assert deadlines.compute_due_at(received_at=at(13), limit_days=5) == at(27, 17, 30)
    # After closing on the 13th: day 0 is Saturday 14th; five days later is Saturday 28th (make-up).
    assert deadlines.compute_due_at(received_at=at(13, 18), limit_days=5) == at(28, 17, 30)
    # In the middle of the holiday: day 0 is Tuesday 24th.
    assert deadlines.compute_due_at(received_at=at(18), limit_days=1) == at(25, 17, 30)
    # A correction asked on the 13th and answered on the 24th cost 2 working days (14th and 24th).
    assert deadlines.paused_days(since=at(13), until=at(24, 9)) == 2


@pytest.mark.django_db
def test_the_clock_stops_for_correction_and_suspension(world: World) -> None:
    world.version.promised_limit_days = 5
    world.version.save(update_fields=["promised_limit_days"])
    case = world.submit(at=at(12))
    assert case.due_at == at(26, 17, 30)  # 12th + 5: 13, 14, 24, 25, 26
    case = case_act(
        actor=world.acceptor,
        case=case,
        action="request_correction",
        expected_version=case.lock_version,
        items=[{"target": "经营场所证明", "reason": "不清晰"}],
        at=at(13),
    )
    assert case.paused_since == at(13)
    assert case.corrections.get().respond_by == date(2026, 2, 27)  # 5 working days from the 13th
    assert deadlines.deadline_state(case, deadlines.state_bounds(at(27))) == DeadlineState.STOPPED
    case = case_act(
        actor=world.citizen,
        case=case,
        action="respond_correction",
        expected_version=case.lock_version,
        at=at(25),
    )
    assert case.paused_working_days == 3  # 14, 24, 25
    assert case.paused_since is None
    assert case.due_at == deadlines.compute_due_at(received_at=at(12), limit_days=5, paused_working_days=3)
    assert case.due_at == at(2, 17, 30, month=3)  # 12th + 8: 13, 14, 24, 25, 26, 27, 28 Feb, 2 Mar
    case = case_act(
        actor=world.acceptor, case=case, action="accept", expected_version=case.lock_version, at=at(26)
    )
    assert case.clock_start == date(2026, 2, 12)
    assert case.due_at == at(2, 17, 30, month=3)
    case = case_act(
        actor=world.reviewer, case=case, action="start_review", expected_version=case.lock_version, at=at(26)
    )
    case = case_act(
        actor=world.reviewer,
        case=case,
        action="suspend",
        expected_version=case.lock_version,
        kind="expert_review",
        reason="专家评审",
        at=at(26, 15),
    )
    case = case_act(
        actor=world.reviewer,
        case=case,
        action="resume",
        expected_version=case.lock_version,
        at=at(2, 11, month=3),
    )
    assert case.suspensions.get().working_days == 3  # 27, 28 Feb, 2 Mar
    assert case.paused_working_days == 6
    assert case.due_at == at(5, 17, 30, month=3)  # 12th + 11 working days


@pytest.mark.django_db
def test_states_in_python_and_sql_agree(world: World, settings) -> None:
    now = at(13, 12)  # Friday before the festival
    bounds = deadlines.state_bounds(now)
    assert bounds.warning_from == at(24, 17, 30)  # two working days ahead: 14th, then 24th
    cases = {
        "overdue": CaseFactory.create(version=world.version, status=CaseStatus.ACCEPTED, due_at=at(13, 11)),
        "today": CaseFactory.create(
            version=world.version, status=CaseStatus.UNDER_REVIEW, due_at=at(13, 17, 30)
        ),
        "after_holiday": CaseFactory.create(
            version=world.version, status=CaseStatus.SUBMITTED, due_at=at(24, 17, 30)
        ),
        "later": CaseFactory.create(version=world.version, status=CaseStatus.ACCEPTED, due_at=at(25, 17, 30)),
        "stopped": CaseFactory.create(version=world.version, status=CaseStatus.SUSPENDED, due_at=at(1)),
        "closed": CaseFactory.create(version=world.version, status=CaseStatus.CONCLUDED, due_at=at(1)),
    }
    expected = {
        "overdue": DeadlineState.OVERDUE,
        "today": DeadlineState.WARNING,
        "after_holiday": DeadlineState.WARNING,
        "later": DeadlineState.ON_TIME,
        "stopped": DeadlineState.STOPPED,
        "closed": DeadlineState.CLOSED,
    }
    annotated = dict(deadlines.annotate_state(Case.objects.all(), bounds).values_list("pk", "deadline_state"))
    for key, case in cases.items():
        assert deadlines.deadline_state(case, bounds) == expected[key], key
        assert annotated[case.pk] == expected[key], key
        assert set(
            Case.objects.filter(deadlines.state_q(expected[key], bounds)).values_list("pk", flat=True)
        ) >= {case.pk}
    for state in DeadlineState.values:
        matched = set(Case.objects.filter(deadlines.state_q(state, bounds)).values_list("pk", flat=True))
        assert matched == {pk for pk, s in annotated.items() if s == state}
    settings.SHUZHENG_CASE_WARNING_DAYS = 0
    assert (
        deadlines.deadline_state(cases["after_holiday"], deadlines.state_bounds(now)) == DeadlineState.ON_TIME
    )
    assert deadlines.deadline_state(cases["today"], deadlines.state_bounds(now)) == DeadlineState.WARNING
