"""Working days for statutory and promised time limits (法定时限 / 承诺时限).

Sources, strongest first:

1. ``HolidayOverride`` rows (admin-editable): next year's schedule is published in November, long
   before a new ``chinesecalendar`` release, and local corrections must win.
2. The ``chinese_calendar`` package: official holidays and make-up workdays (调休) for the years it knows.
3. Monday to Friday, for a year the package does not know and no override covers (a warning is logged
   once per year per process, so a missing schedule is noticed rather than crashing case intake).

Counting rule (民法典 第二百零一条: the starting day is not counted): the start date is *day 0*; when it
is not a working day, day 0 is the next working day. ``add_working_days(start, n)`` is the n-th working
day after day 0, so ``add_working_days(d, 0)`` is ``d`` rolled forward to a working day.

A request received after office hours or on a non-working day is deemed received on the next working
day (``effective_start``); its due date is ``add_working_days(effective_start, limit)``.

Each module-level call checks a cheap version of the override table (row count, latest updated_at,
highest id) and reuses the cached snapshot while it is unchanged, so edits in any process (and
rolled-back test transactions) are seen on the next call. Loops should take one snapshot with
``current()`` and call its methods. Writes that bypass ``updated_at`` (``QuerySet.update``, raw SQL)
must call ``invalidate_cache()``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from shuzheng.core.models import HolidayOverride

logger = logging.getLogger(__name__)

#: All of mainland China keeps one civil time; office hours are read in it.
OFFICE_TZ = ZoneInfo("Asia/Shanghai")

#: Safety bound for day-by-day scans (about 20 years); a larger limit is a bug, not a deadline.
MAX_WORKING_DAYS = 5000

_warned_years: set[int] = set()


@lru_cache(maxsize=16384)
def official_status(day: date) -> bool | None:
    """What the chinese_calendar package says: True working day, False day off, None year unknown."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(OFFICE_TZ)
        return value.date()
    return value


def _parse_clock(text: str) -> time:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"OFFICE_HOURS: {text!r} is not HH:MM") from exc


def office_hours() -> tuple[time, time]:
    """(opens, closes) from settings.OFFICE_HOURS, local time in OFFICE_TZ."""
    opens_text, closes_text = getattr(settings, "OFFICE_HOURS", ("08:30", "17:30"))
    opens, closes = _parse_clock(opens_text), _parse_clock(closes_text)
    if opens >= closes:
        raise ImproperlyConfigured("OFFICE_HOURS: the office must open before it closes")
    return opens, closes


@dataclass(frozen=True, eq=False)
class WorkingCalendar:
    """An immutable view of the working-day rules; ``overrides`` maps day -> HolidayOverride.Kind value."""

    overrides: Mapping[date, str] = field(default_factory=dict)
    override_years: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "override_years", frozenset(day.year for day in self.overrides))

    def is_working_day(self, day: date | datetime) -> bool:
        day = _local_date(day)
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == HolidayOverride.Kind.WORKDAY
        official = official_status(day)
        if official is not None:
            return official
        if day.year not in self.override_years and day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning(
                "calendar.year_unknown: no holiday data for %s (chinesecalendar %s, no overrides); "
                "counting Monday to Friday as working days — add the official schedule as 节假日调整",
                day.year,
                getattr(chinese_calendar, "__version__", "?"),
            )
        return day.weekday() < 5

    def next_working_day(self, day: date | datetime) -> date:
        """The first working day strictly after ``day``."""
        current = _local_date(day)
        for _ in range(MAX_WORKING_DAYS):
            current += timedelta(days=1)
            if self.is_working_day(current):
                return current
        raise ValueError(f"no working day within {MAX_WORKING_DAYS} days after {day}")

    def roll_forward(self, day: date | datetime) -> date:
        """``day`` itself when it is a working day, otherwise the next working day (day 0)."""
        local = _local_date(day)
        return local if self.is_working_day(local) else self.next_working_day(local)

    def add_working_days(self, start: date | datetime, n: int) -> date:
        """The n-th working day after day 0 (``start`` rolled forward to a working day); n >= 0."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if n > MAX_WORKING_DAYS:
            raise ValueError(f"n must be <= {MAX_WORKING_DAYS}")
        current = self.roll_forward(start)
        for _ in range(n):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days d with a < d <= b (negative when b is before a), so day a itself is not counted."""
        first, last = _local_date(a), _local_date(b)
        if last < first:
            return -self.working_days_between(last, first)
        count = 0
        current = first + timedelta(days=1)
        while current <= last:
            count += self.is_working_day(current)
            current += timedelta(days=1)
        return count

    def effective_start(self, received_at: datetime) -> date:
        """The working day a request counts as received: the same day if it is a working day and the
        office has not closed yet (before opening counts as that day), else the next working day."""
        local = _aware(received_at).astimezone(OFFICE_TZ)
        _, closes = office_hours()
        day = local.date()
        if local.time() >= closes:
            day += timedelta(days=1)
        return self.roll_forward(day)

    def due_date(self, received_at: datetime, working_days: int) -> date:
        """The last day of a time limit of ``working_days`` counted from ``effective_start``."""
        return self.add_working_days(self.effective_start(received_at), working_days)

    def deadline_at(self, received_at: datetime, working_days: int) -> datetime:
        """Close of office hours on the due date, as an aware datetime in OFFICE_TZ."""
        _, closes = office_hours()
        return datetime.combine(self.due_date(received_at, working_days), closes, tzinfo=OFFICE_TZ)


def _aware(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError("received_at must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware (USE_TZ is on)")
    return value


# --- the cached snapshot -------------------------------------------------------------------------------

_cached: tuple[tuple[Any, ...], WorkingCalendar] | None = None


def _table_version() -> tuple[Any, ...]:
    # Asked on every deadline computation (every queue page): plain SQL, no ORM query to compile.
    table = connection.ops.quote_name(HolidayOverride._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(updated_at), MAX(id) FROM {table}")  # noqa: S608 - constant
        row = cursor.fetchone()
    return tuple(row) if row else ()


def current() -> WorkingCalendar:
    """The calendar as of now: one small aggregate query, plus a reload when the override table changed."""
    global _cached
    version = _table_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    calendar = WorkingCalendar(dict(HolidayOverride.objects.values_list("day", "kind")))
    _cached = (version, calendar)
    return calendar


def invalidate_cache() -> None:
    """Drop the override snapshot and the once-per-year warnings (after bulk edits, and in tests)."""
    global _cached
    _cached = None
    _warned_years.clear()


# --- module-level API (one snapshot per call) -------------------------------------------------------------


def is_working_day(day: date | datetime) -> bool:
    return current().is_working_day(day)


def next_working_day(day: date | datetime) -> date:
    """The first working day strictly after ``day``."""
    return current().next_working_day(day)


def add_working_days(start: date | datetime, n: int) -> date:
    """The n-th working day after day 0; day 0 is ``start`` or, if that is not a working day, the next one.

    ``add_working_days(d, 0)`` is ``d`` when d is a working day; ``add_working_days(friday, 1)`` is the
    next Monday in an ordinary week. A datetime is read as its date in Asia/Shanghai.
    """
    return current().add_working_days(start, n)


def working_days_between(a: date | datetime, b: date | datetime) -> int:
    """Working days in (a, b]: ``working_days_between(a, add_working_days(a, n)) == n`` for a working a."""
    return current().working_days_between(a, b)


def effective_start(received_at: datetime) -> date:
    """The working day a request received at ``received_at`` (aware) counts as received."""
    return current().effective_start(received_at)


def due_date(received_at: datetime, working_days: int) -> date:
    """The due date of a time limit of ``working_days`` for a request received at ``received_at``."""
    return current().due_date(received_at, working_days)


def deadline_at(received_at: datetime, working_days: int) -> datetime:
    """Close of office hours on the due date (aware, Asia/Shanghai)."""
    return current().deadline_at(received_at, working_days)
