"""Status against the target: met, on track on the straight path from the baseline, behind; snapshots."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shuzheng.indicators.constants import TARGET_DATE, Status
from shuzheng.indicators.definitions import definition
from shuzheng.indicators.models import IndicatorSnapshot, Scenario
from shuzheng.indicators.selectors.progress import expected_on, status_of
from shuzheng.orgs.tests.factories import DepartmentFactory

SCENARIOS = definition(15)  # target 20


def test_status_is_met_at_the_target_and_no_data_without_a_value():
    assert status_of(SCENARIOS, Decimal(20), date(2024, 1, 1), None) == Status.MET
    assert status_of(SCENARIOS, None, date(2024, 1, 1), None) == Status.NO_DATA


def test_on_track_means_at_or_above_the_straight_line_from_the_baseline():
    baseline = (date(2023, 12, 31), Decimal(0))
    halfway = date(2024, 12, 31)  # 366 of 731 days
    assert expected_on(SCENARIOS, halfway, baseline) == Decimal("10.01")
    assert status_of(SCENARIOS, Decimal("10.01"), halfway, baseline) == Status.ON_TRACK
    assert status_of(SCENARIOS, Decimal(10), halfway, baseline) == Status.BEHIND


def test_after_the_target_date_not_met_is_behind():
    assert status_of(SCENARIOS, Decimal(19), TARGET_DATE + timedelta(days=1), None) == Status.BEHIND


@pytest.mark.django_db
def test_snapshot_command_stores_all_22_today_and_only_dated_ones_for_a_past_day():
    dept = DepartmentFactory.create()
    Scenario.objects.create(name="一", department=dept, in_service_on=date(2024, 1, 1))
    Scenario.objects.create(name="二", department=dept, in_service_on=date(2025, 1, 1))
    out = StringIO()
    call_command("snapshot_indicators", stdout=out)
    assert "[22/22]" in out.getvalue()
    assert IndicatorSnapshot.objects.filter(day=timezone.localdate()).count() == 22
    call_command("snapshot_indicators", "--date", "2024-06-30", stdout=out)
    past = IndicatorSnapshot.objects.filter(day=date(2024, 6, 30))
    assert past.get(number=15).value == 1
    assert not past.filter(number=1).exists()  # catalog state cannot be recomputed for a past day
    assert "不能按历史日期重算" in out.getvalue()
    call_command("snapshot_indicators", stdout=out)  # idempotent: the day's rows are replaced
    assert IndicatorSnapshot.objects.filter(day=timezone.localdate()).count() == 22


@pytest.mark.django_db
def test_snapshot_command_refuses_bad_and_future_dates_in_chinese():
    with pytest.raises(CommandError, match="日期格式"):
        call_command("snapshot_indicators", "--date", "2024-13-01")
    with pytest.raises(CommandError, match="未来"):
        call_command("snapshot_indicators", "--date", (timezone.localdate() + timedelta(days=1)).isoformat())
    assert not IndicatorSnapshot.objects.exists()


@pytest.mark.django_db
def test_the_daily_task_stores_todays_snapshot():
    from shuzheng.indicators.tasks import snapshot_indicators

    result = snapshot_indicators.apply().get()
    assert result == {"day": timezone.localdate().isoformat(), "stored": 22}
    assert IndicatorSnapshot.objects.filter(day=timezone.localdate()).count() == 22
