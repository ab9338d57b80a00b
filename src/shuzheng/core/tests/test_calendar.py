import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.template.response import TemplateResponse
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shuzheng.core import calendar
from shuzheng.core.admin import HolidayOverrideAdmin
from shuzheng.core.calendar import OFFICE_TZ
from shuzheng.core.models import HolidayOverride
from shuzheng.identity.models import AuditEvent

pytestmark = pytest.mark.django_db

HOLIDAY = HolidayOverride.Kind.HOLIDAY
WORKDAY = HolidayOverride.Kind.WORKDAY


@pytest.fixture(autouse=True)
def _fresh_calendar():
    calendar.invalidate_cache()
    yield
    calendar.invalidate_cache()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


# --- official schedules from chinese_calendar -----------------------------------------------------------


def test_spring_festival_2025():
    assert not any(calendar.is_working_day(d) for d in days(date(2025, 1, 28), date(2025, 2, 4)))
    assert date(2025, 1, 26).weekday() == 6
    assert calendar.is_working_day(date(2025, 1, 26))
    assert date(2025, 2, 8).weekday() == 5
    assert calendar.is_working_day(date(2025, 2, 8))
    assert calendar.is_working_day(date(2025, 1, 27))
    assert calendar.is_working_day(date(2025, 2, 5))
    assert not calendar.is_working_day(date(2025, 1, 25))  # an ordinary Saturday


def test_spring_festival_2026_matches_the_official_schedule():
    # 国务院办公厅 2026 schedule: 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班.
    assert not any(calendar.is_working_day(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert date(2026, 2, 14).weekday() == 5
    assert calendar.is_working_day(date(2026, 2, 14))
    assert date(2026, 2, 28).weekday() == 5
    assert calendar.is_working_day(date(2026, 2, 28))
    assert calendar.is_working_day(date(2026, 2, 13))
    assert calendar.is_working_day(date(2026, 2, 24))


def test_national_day_2025():
    assert not any(calendar.is_working_day(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert date(2025, 9, 28).weekday() == 6
    assert calendar.is_working_day(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5
    assert calendar.is_working_day(date(2025, 10, 11))
    assert calendar.is_working_day(date(2025, 10, 9))


def test_add_working_days_skips_the_spring_festival_and_counts_make_up_days():
    assert calendar.add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)
    # Feb 5, 6, 7 and the make-up Saturday Feb 8 are four working days.
    assert calendar.add_working_days(date(2025, 1, 27), 4) == date(2025, 2, 8)
    assert calendar.add_working_days(date(2025, 1, 27), 5) == date(2025, 2, 10)
    assert calendar.working_days_between(date(2025, 1, 27), date(2025, 2, 10)) == 5


def test_day_zero_is_the_start_or_the_next_working_day():
    assert calendar.add_working_days(date(2025, 9, 30), 0) == date(2025, 9, 30)
    assert calendar.add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert calendar.add_working_days(date(2025, 10, 1), 1) == date(2025, 10, 10)
    assert calendar.add_working_days(local(2025, 10, 3, 12, 0), 0) == date(2025, 10, 9)
    with pytest.raises(ValueError, match="n must be"):
        calendar.add_working_days(date(2025, 10, 1), -1)


def test_next_working_day_and_between():
    assert calendar.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)
    assert calendar.next_working_day(date(2025, 9, 26)) == date(2025, 9, 28)  # make-up Sunday
    assert calendar.working_days_between(date(2025, 9, 30), date(2025, 9, 30)) == 0
    assert (
        calendar.working_days_between(date(2025, 9, 26), date(2025, 10, 11)) == 6
    )  # 9-28, 9-29, 9-30, 10-9, 10-10, 10-11
    assert calendar.working_days_between(date(2025, 10, 11), date(2025, 9, 26)) == -6


# --- properties ---------------------------------------------------------------------------------------------

known_days = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 10, 31))
property_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@property_settings
@given(start=known_days, n=st.integers(min_value=1, max_value=40))
def test_result_is_a_working_day(start, n):
    assert calendar.is_working_day(calendar.add_working_days(start, n))


@property_settings
@given(start=known_days, n=st.integers(min_value=0, max_value=40))
def test_between_inverts_add_for_working_starts(start, n):
    start = calendar.add_working_days(start, 0)
    assert calendar.is_working_day(start)
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@property_settings
@given(a=known_days, gap=st.integers(min_value=0, max_value=30), n=st.integers(min_value=0, max_value=30))
def test_add_is_monotonic(a, gap, n):
    b = a + timedelta(days=gap)
    assert calendar.add_working_days(a, n) < calendar.add_working_days(a, n + 1)
    assert calendar.add_working_days(a, n) <= calendar.add_working_days(b, n)


# --- overrides --------------------------------------------------------------------------------------------


def test_year_unknown_to_the_package_falls_back_to_weekdays_with_a_warning(caplog):
    assert calendar.official_status(date(2027, 1, 4)) is None
    with caplog.at_level(logging.WARNING, logger="shuzheng.core.calendar"):
        assert calendar.is_working_day(date(2027, 2, 8))  # Monday
        assert not calendar.is_working_day(date(2027, 2, 6))  # Saturday
        assert calendar.add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 8)
    warnings = [r for r in caplog.records if "calendar.year_unknown" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not once per day
    assert "2027" in warnings[0].getMessage()


def test_override_for_2027_changes_the_result(caplog):
    friday = date(2027, 2, 5)
    assert calendar.add_working_days(friday, 1) == date(2027, 2, 8)
    HolidayOverride.objects.bulk_create(
        [HolidayOverride(day=d, kind=HOLIDAY, name="春节") for d in days(date(2027, 2, 6), date(2027, 2, 12))]
        + [HolidayOverride(day=date(2027, 2, 20), kind=WORKDAY, name="春节调休")]
    )
    calendar.invalidate_cache()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="shuzheng.core.calendar"):
        assert not calendar.is_working_day(date(2027, 2, 8))
        assert calendar.is_working_day(date(2027, 2, 20))  # a make-up Saturday
        assert calendar.add_working_days(friday, 1) == date(2027, 2, 15)
        assert calendar.working_days_between(friday, date(2027, 2, 20)) == 6
    assert not [r for r in caplog.records if "year_unknown" in r.getMessage()]


def test_override_wins_over_the_package():
    assert calendar.is_working_day(date(2025, 10, 9))
    HolidayOverride.objects.create(day=date(2025, 10, 9), kind=HOLIDAY, name="台风停工")
    assert not calendar.is_working_day(date(2025, 10, 9))
    HolidayOverride.objects.create(day=date(2025, 10, 12), kind=WORKDAY, name="补班")
    assert calendar.is_working_day(date(2025, 10, 12))  # a Sunday


def test_cached_snapshot_sees_edits_deletes_and_rollbacks():
    day = date(2025, 11, 3)  # Monday
    assert calendar.is_working_day(day)
    snapshot = calendar.current()
    assert calendar.current() is snapshot  # unchanged table: the snapshot is reused

    row = HolidayOverride.objects.create(day=day, kind=HOLIDAY)
    assert not calendar.is_working_day(day)
    row.kind = WORKDAY
    row.save()
    assert calendar.is_working_day(day)
    row.kind = HOLIDAY
    row.save()
    assert not calendar.is_working_day(day)
    row.delete()
    assert calendar.is_working_day(day)

    with transaction.atomic():  # a savepoint inside the test transaction, rolled back below
        HolidayOverride.objects.create(day=day, kind=HOLIDAY)
        assert not calendar.is_working_day(day)
        transaction.set_rollback(True)
    assert calendar.is_working_day(day)


def test_bulk_update_needs_invalidate_cache():
    day = date(2025, 11, 4)
    HolidayOverride.objects.create(day=day, kind=HOLIDAY)
    assert not calendar.is_working_day(day)
    HolidayOverride.objects.filter(day=day).update(kind=WORKDAY)  # bypasses updated_at
    calendar.invalidate_cache()
    assert calendar.is_working_day(day)


def test_one_query_per_call_and_snapshot_for_loops(django_assert_num_queries):
    calendar.current()
    with django_assert_num_queries(1):
        calendar.add_working_days(date(2025, 1, 1), 60)
    snapshot = calendar.current()
    with django_assert_num_queries(0):
        for d in days(date(2025, 1, 1), date(2025, 12, 31)):
            snapshot.is_working_day(d)


# --- office hours ---------------------------------------------------------------------------------------


def test_effective_start_office_hours():
    assert calendar.effective_start(local(2025, 9, 30, 7, 0)) == date(2025, 9, 30)  # before opening
    assert calendar.effective_start(local(2025, 9, 30, 17, 29)) == date(2025, 9, 30)
    assert calendar.effective_start(local(2025, 9, 30, 17, 30)) == date(2025, 10, 9)  # closed
    assert calendar.effective_start(local(2025, 10, 3, 10, 0)) == date(2025, 10, 9)  # holiday
    assert calendar.effective_start(local(2025, 10, 11, 10, 0)) == date(2025, 10, 11)  # make-up Saturday
    assert calendar.effective_start(local(2025, 10, 12, 10, 0)) == date(2025, 10, 13)  # Sunday


def test_effective_start_reads_aware_times_in_china():
    assert calendar.effective_start(datetime(2025, 9, 30, 9, 45, tzinfo=UTC)) == date(2025, 10, 9)  # 17:45
    assert calendar.effective_start(datetime(2025, 9, 29, 23, 0, tzinfo=UTC)) == date(2025, 9, 30)  # 07:00
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.effective_start(datetime(2025, 9, 30, 10, 0))


def test_due_date_and_deadline():
    assert calendar.due_date(local(2025, 9, 30, 16, 0), 1) == date(2025, 10, 9)
    assert calendar.due_date(local(2025, 9, 30, 18, 0), 1) == date(2025, 10, 10)
    assert calendar.due_date(local(2025, 9, 30, 16, 0), 0) == date(2025, 9, 30)
    deadline = calendar.deadline_at(local(2025, 9, 30, 18, 0), 1)
    assert deadline == local(2025, 10, 10, 17, 30)
    assert deadline.utcoffset() == timedelta(hours=8)


def test_office_hours_come_from_settings(settings):
    settings.OFFICE_HOURS = ("09:00", "18:00")
    assert calendar.effective_start(local(2025, 9, 30, 17, 45)) == date(2025, 9, 30)
    assert calendar.deadline_at(local(2025, 9, 30, 17, 45), 0).time() == time(18, 0)
    settings.OFFICE_HOURS = ("9点", "18:00")
    with pytest.raises(ImproperlyConfigured):
        calendar.office_hours()
    settings.OFFICE_HOURS = ("18:00", "09:00")
    with pytest.raises(ImproperlyConfigured):
        calendar.office_hours()


# --- admin ----------------------------------------------------------------------------------------------


def test_admin_changelist_in_chinese_with_year_filter():
    HolidayOverride.objects.create(day=date(2027, 2, 8), kind=HOLIDAY, name="春节")
    HolidayOverride.objects.create(day=date(2025, 10, 9), kind=HOLIDAY, name="台风停工")
    user = get_user_model().objects.create_superuser(username="root-calendar", password="x-Very-long-1")
    model_admin = HolidayOverrideAdmin(HolidayOverride, admin.site)

    request = RequestFactory().get("/admin/core/holidayoverride/", {"year": "2027"})
    request.user = user
    response = model_admin.changelist_view(request)
    assert isinstance(response, TemplateResponse)
    response.render()
    html = response.content.decode()
    assert "年份" in html
    assert "2027年" in html
    assert "2025年" in html
    assert "春节" in html
    assert "台风停工" not in html
    assert "未收录该年份" in html
    assert "星期一" in html
    assert response.context_data is not None
    assert list(response.context_data["cl"].queryset) == [HolidayOverride.objects.get(name="春节")]


def test_admin_save_and_delete_take_effect_at_once():
    user = get_user_model().objects.create_superuser(username="root-calendar2", password="x-Very-long-1")
    request = RequestFactory().post("/admin/")
    request.user = user
    model_admin = HolidayOverrideAdmin(HolidayOverride, admin.site)
    row = HolidayOverride(day=date(2025, 11, 5), kind=HOLIDAY)
    model_admin.save_model(request, row, form=None, change=False)
    assert not calendar.is_working_day(date(2025, 11, 5))
    assert model_admin.package_says(row) == "工作日"
    model_admin.delete_queryset(request, HolidayOverride.objects.filter(pk=row.pk))
    assert calendar.is_working_day(date(2025, 11, 5))
    events = AuditEvent.objects.filter(subject_type="core.holidayoverride").order_by("seq")
    assert [(e.action, e.actor_id) for e in events] == [
        ("core.holiday_override.create", user.pk),
        ("core.holiday_override.delete", user.pk),
    ]
    assert events[0].after == {"day": "2025-11-05", "kind": HOLIDAY, "name": ""}
