"""Statistics on a fixed data set: every number of docs/indicators.md's worked example is asserted here.

The data set (all in 2026, Asia/Shanghai):

测试局 (bureau), 7 valid evaluations + 1 voided:
  非常满意 ×3 (two online in January at hall window 12, one QR in February at window 12)
  满意 ×1 (online, February), 基本满意 ×1 (onsite, February)
  不满意 ×1 — real name, rectification verified, called back (March)
  非常不满意 ×1 — real name, rectification open, not called back (March)
  非常不满意 ×1 voided after an upheld dispute (March) — counts nowhere
另一局 (other bureau), 3 valid evaluations: 非常满意 ×1, 满意 ×2 (QR at the comprehensive window, March)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from shuzheng.core.calendar import OFFICE_TZ
from shuzheng.core.errors import PermissionDenied, ValidationFailed
from shuzheng.evaluation import stats
from shuzheng.evaluation.constants import EvaluationChannel, Level, RectificationStatus
from shuzheng.evaluation.models import Evaluation
from shuzheng.evaluation.tests.conftest import World
from shuzheng.evaluation.tests.factories import EvaluationFactory, RectificationFactory

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=OFFICE_TZ)


@pytest.fixture
def data(world: World) -> dict[str, Evaluation]:
    bureau, other = world.bureau, world.other_bureau
    item = world.version.item
    rows: dict[str, Evaluation] = {}

    def add(name: str, **kwargs) -> Evaluation:
        kwargs.setdefault("department", bureau)
        rows[name] = EvaluationFactory.create(**kwargs)
        return rows[name]

    window = world.bureau_window
    add(
        "a5_1",
        level=5,
        channel=EvaluationChannel.ONLINE,
        item=item,
        hall=world.hall,
        window=window,
        evaluated_at=at(1, 5),
        real_name=True,
    )
    add(
        "a5_2",
        level=5,
        channel=EvaluationChannel.ONLINE,
        item=item,
        hall=world.hall,
        window=window,
        evaluated_at=at(1, 20),
        real_name=True,
    )
    add("a5_3", level=5, channel=EvaluationChannel.QR, hall=world.hall, window=window, evaluated_at=at(2, 3))
    add("a4", level=4, channel=EvaluationChannel.ONLINE, item=item, evaluated_at=at(2, 10), real_name=True)
    add(
        "a3",
        level=3,
        channel=EvaluationChannel.ONSITE,
        item=item,
        hall=world.hall,
        window=window,
        evaluated_at=at(2, 28, 23),
        real_name=True,
    )  # 23:00 local on 28 Feb: still February
    add("a2", level=2, channel=EvaluationChannel.ONLINE, item=item, evaluated_at=at(3, 2), real_name=True)
    add("a1", level=1, channel=EvaluationChannel.ONLINE, item=item, evaluated_at=at(3, 3), real_name=True)
    add(
        "a1_void",
        level=1,
        channel=EvaluationChannel.QR,
        hall=world.hall,
        evaluated_at=at(3, 4),
        voided=True,
        void_reason="误评",
    )
    comprehensive = world.comprehensive_window
    add("b5", department=other, level=5, hall=world.hall, window=comprehensive, evaluated_at=at(3, 10))
    add("b4_1", department=other, level=4, hall=world.hall, window=comprehensive, evaluated_at=at(3, 11))
    add("b4_2", department=other, level=4, hall=world.hall, window=comprehensive, evaluated_at=at(3, 12))
    RectificationFactory.create(
        evaluation=rows["a2"],
        status=RectificationStatus.VERIFIED,
        return_visit_required=True,
        return_visited_at=at(3, 4),
    )
    RectificationFactory.create(
        evaluation=rows["a1"], status=RectificationStatus.OPEN, return_visit_required=True
    )
    RectificationFactory.create(
        evaluation=rows["a1_void"], status=RectificationStatus.CLOSED, return_visit_required=False
    )
    return rows


def _by_label(table: stats.StatsTable) -> dict[str, stats.StatsRow]:
    return {row.label: row for row in table.rows}


def test_by_department(world: World, data, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(8):  # scope look-ups plus one aggregate query
        table = stats.evaluation_stats(user=world.supervisor, group_by="department")
    rows = _by_label(table)
    bureau = rows["测试局"]
    assert bureau.levels == {5: 3, 4: 1, 3: 1, 2: 1, 1: 1}
    assert bureau.total == 7
    assert bureau.satisfied == 4
    assert bureau.satisfaction_rate == Decimal("57.14")
    assert bureau.bad == 2
    assert bureau.rectified == 1
    assert bureau.rectification_rate == Decimal("50.00")
    assert bureau.return_visit_required == 2
    assert bureau.return_visited == 1
    assert bureau.return_visit_rate == Decimal("50.00")
    assert bureau.score == Decimal("6.71")  # (3×10 + 8 + 6 + 3 + 0) / 7 = 47 / 7
    other = rows["另一局"]
    assert other.levels == {5: 1, 4: 2, 3: 0, 2: 0, 1: 0}
    assert other.satisfaction_rate == Decimal("100.00")
    assert other.rectification_rate is None  # no bad review: nothing to rectify
    assert other.return_visit_rate is None
    assert other.score == Decimal("8.67")  # 26 / 3
    total = table.total
    assert total.total == 10
    assert total.levels == {5: 4, 4: 3, 3: 1, 2: 1, 1: 1}
    assert total.satisfaction_rate == Decimal("70.00")
    assert total.score == Decimal("7.30")  # 73 / 10
    assert total.rectification_rate == Decimal("50.00")
    assert [r.label for r in table.rows] == ["测试局", "另一局"]  # most evaluations first


def test_voided_evaluations_count_nowhere(world: World, data) -> None:
    table = stats.evaluation_stats(user=world.supervisor, group_by="total")
    assert table.total.total == 10
    assert table.total.levels[Level.VERY_DISSATISFIED] == 1
    Evaluation.objects.filter(pk=data["a1"].pk).update(voided=True)
    assert stats.evaluation_stats(user=world.supervisor, group_by="total").total.total == 9


def test_by_period(world: World, data) -> None:
    months = stats.evaluation_stats(user=world.supervisor, group_by="period", period="month")
    assert [(r.key, r.label, r.total) for r in months.rows] == [
        ("2026-01", "2026年1月", 2),
        ("2026-02", "2026年2月", 3),
        ("2026-03", "2026年3月", 5),
    ]
    assert [r.score for r in months.rows] == [Decimal("10.00"), Decimal("8.00"), Decimal("5.80")]
    quarters = stats.evaluation_stats(user=world.supervisor, group_by="period", period="quarter")
    assert [(r.key, r.label, r.total) for r in quarters.rows] == [("2026-Q1", "2026年第1季度", 10)]
    years = stats.evaluation_stats(user=world.supervisor, group_by="period", period="year")
    assert [(r.key, r.total) for r in years.rows] == [("2026", 10)]
    days = stats.evaluation_stats(user=world.supervisor, group_by="period", period="day")
    assert days.rows[0].key == "2026-01-05"
    assert "2026-02-28" in {r.key for r in days.rows}  # 23:00 local time stays on its local day


def test_by_hall_window_item_and_channel(world: World, data) -> None:
    halls = _by_label(stats.evaluation_stats(user=world.supervisor, group_by="hall"))
    assert halls["恩平市政务服务中心"].total == 7
    assert halls["（未经大厅：网上办理）"].total == 3
    windows = _by_label(stats.evaluation_stats(user=world.supervisor, group_by="window"))
    assert windows["恩平市政务服务中心 12号窗口"].total == 4
    assert windows["恩平市政务服务中心 01号窗口"].total == 3
    assert windows["（未指定窗口）"].total == 3
    items = _by_label(stats.evaluation_stats(user=world.supervisor, group_by="item"))
    assert items["食品经营许可"].total == 6
    assert items["食品经营许可"].score == Decimal("6.17")  # (20 + 8 + 6 + 3 + 0) / 6
    assert items["（无事项：大厅二维码评价）"].total == 4
    channels = _by_label(stats.evaluation_stats(user=world.supervisor, group_by="channel"))
    assert channels["线上（一事一评）"].total == 5
    assert channels["现场（一次一评）"].total == 1
    assert channels["二维码评价"].total == 4


def test_filters_and_date_range(world: World, data) -> None:
    february = stats.evaluation_stats(
        user=world.supervisor,
        group_by="total",
        filters=stats.StatsFilters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)),
    )
    assert february.total.total == 3
    online = stats.evaluation_stats(
        user=world.supervisor, group_by="total", filters=stats.StatsFilters(channel="online")
    )
    assert online.total.total == 5
    window = stats.evaluation_stats(
        user=world.supervisor, group_by="total", filters=stats.StatsFilters(window_id=world.bureau_window.pk)
    )
    assert window.total.total == 4
    empty = stats.evaluation_stats(
        user=world.supervisor,
        filters=stats.StatsFilters(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31)),
    )
    assert empty.rows == []
    assert empty.total.score is None
    assert empty.total.satisfaction_rate is None


def test_statistics_follow_the_data_scope(world: World, data) -> None:
    table = stats.evaluation_stats(user=world.handler, group_by="department")
    assert [r.label for r in table.rows] == ["测试局"]
    assert table.total.total == 7
    with pytest.raises(PermissionDenied):
        stats.evaluation_stats(user=world.citizen)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"group_by": "colour"}, "group_by"),
        ({"period": "week"}, "period"),
        ({"filters": stats.StatsFilters(channel="fax")}, "channel"),
        ({"filters": stats.StatsFilters(date_from=date(2026, 3, 1), date_to=date(2026, 2, 1))}, "date_to"),
    ],
)
def test_bad_parameters_are_refused(world: World, kwargs, field) -> None:
    with pytest.raises(ValidationFailed) as caught:
        stats.evaluation_stats(user=world.supervisor, **kwargs)
    assert caught.value.errors[0]["field"] == field


def test_score_of_edge_cases() -> None:
    assert stats.score_of({}) is None
    assert stats.score_of({5: 1}) == Decimal("10.00")
    assert stats.score_of({1: 1}) == Decimal("0.00")
    assert stats.score_of({5: 999, 2: 1}) == Decimal("9.99")  # 9993 / 1000 = 9.993
    assert stats.score_of({5: 199, 4: 1}) == Decimal("9.99")  # 1998 / 200 = 9.99
    assert stats.score_of({5: 1, 4: 1, 3: 1, 2: 1, 1: 1}) == Decimal("5.40")
    assert stats.score_of({5: 399, 2: 1}) == Decimal("9.98")  # 3993 / 400 = 9.9825
    assert stats.score_of({5: 7, 2: 1}) == Decimal("9.13")  # 73 / 8 = 9.125, rounded half up


def test_excel_export(world: World, data) -> None:
    table = stats.evaluation_stats(user=world.supervisor, group_by="department")
    book = load_workbook(BytesIO(stats.stats_xlsx(table)))
    sheet = book["好差评统计"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "部门"
    assert rows[1][-1] == "好差评得分(10分制)"
    assert rows[2][0] == "测试局"
    assert rows[2][1] == 7
    assert rows[2][-1] == pytest.approx(6.71)
    assert rows[3][0] == "另一局"
    assert rows[3][10] == "—"  # rectification rate without bad reviews
    assert rows[-1][0] == "合计"
    assert rows[-1][-1] == pytest.approx(7.30)
    notes = [row[0] for row in book["口径说明"].iter_rows(values_only=True)]
    assert "好差评得分" in notes
