"""好差评 statistics, computed with SQL aggregates (one GROUP BY query per table).

Definitions (docs/indicators.md, indicator 7, explains them with a worked example):

- Only valid evaluations count: an evaluation voided after an upheld dispute is left out of every
  number below (and its rectification is closed, so it is not a bad review to rectify either).
- ``total``: valid evaluations; ``levels``: how many at each of the five levels.
- satisfaction rate (满意率) = (非常满意 + 满意) / total × 100 %.
- bad reviews (差评) = 不满意 + 非常不满意.
- rectification rate (差评整改率) = bad reviews whose rectification passed the supervisor's check
  (status ``verified``) / bad reviews × 100 %.
- return visit rate (回访率) = bad reviews that required a return visit and have one recorded / bad reviews
  that required a return visit × 100 %.
- score (好差评得分, 10-point, indicator 7) = the mean of the points of the valid evaluations, with
  非常满意 10, 满意 8, 基本满意 6, 不满意 3, 非常不满意 0 (the weights Guangdong cities publish in
  their 好差评 work plans), rounded half up to two decimals.

A rate or score with nothing to divide by is ``None`` (shown as "—"), never 0 or 100.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncQuarter, TruncYear
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shuzheng.core.calendar import OFFICE_TZ
from shuzheng.core.errors import ValidationFailed
from shuzheng.evaluation import selectors
from shuzheng.evaluation.constants import (
    LEVEL_POINTS,
    SATISFIED_LEVELS,
    EvaluationChannel,
    Level,
    RectificationStatus,
)
from shuzheng.evaluation.models import Evaluation

GROUPS: Final[dict[str, str]] = {
    "total": "合计",
    "department": "部门",
    "hall": "大厅",
    "window": "窗口",
    "item": "事项",
    "channel": "评价渠道",
    "period": "时间",
}
PERIODS: Final[dict[str, str]] = {"day": "日", "month": "月", "quarter": "季度", "year": "年"}
_TRUNC = {"day": TruncDay, "month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}

LEVELS_DESC: Final = tuple(sorted(Level.values, reverse=True))
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _ratio(part: int, whole: int, *, scale: Decimal = HUNDRED) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def score_of(levels: dict[int, int]) -> Decimal | None:
    """The 10-point score of a set of evaluations given as {level: count}; None when there are none."""
    total = sum(levels.values())
    if total <= 0:
        return None
    points = sum(LEVEL_POINTS[level] * count for level, count in levels.items())
    return (points / Decimal(total)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class StatsRow:
    key: str
    label: str
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS_DESC, 0))
    rectified: int = 0
    return_visit_required: int = 0
    return_visited: int = 0

    @property
    def total(self) -> int:
        return sum(self.levels.values())

    @property
    def satisfied(self) -> int:
        return sum(self.levels[level] for level in SATISFIED_LEVELS)

    @property
    def bad(self) -> int:
        return self.levels[Level.DISSATISFIED] + self.levels[Level.VERY_DISSATISFIED]

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _ratio(self.satisfied, self.total)

    @property
    def rectification_rate(self) -> Decimal | None:
        return _ratio(self.rectified, self.bad)

    @property
    def return_visit_rate(self) -> Decimal | None:
        return _ratio(self.return_visited, self.return_visit_required)

    @property
    def score(self) -> Decimal | None:
        return score_of(self.levels)

    def add(self, other: StatsRow) -> None:
        for level in LEVELS_DESC:
            self.levels[level] += other.levels[level]
        self.rectified += other.rectified
        self.return_visit_required += other.return_visit_required
        self.return_visited += other.return_visited

    def as_dict(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "key": self.key,
            "label": self.label,
            "levels": {Level(level).label: self.levels[level] for level in LEVELS_DESC},
            "level_counts": {str(level): self.levels[level] for level in LEVELS_DESC},
            "total": self.total,
            "satisfied": self.satisfied,
            "satisfaction_rate": number(self.satisfaction_rate),
            "bad": self.bad,
            "rectified": self.rectified,
            "rectification_rate": number(self.rectification_rate),
            "return_visit_required": self.return_visit_required,
            "return_visited": self.return_visited,
            "return_visit_rate": number(self.return_visit_rate),
            "score": number(self.score),
        }


@dataclass(frozen=True)
class StatsFilters:
    date_from: date | None = None
    date_to: date | None = None
    department_id: int | None = None
    hall_id: int | None = None
    window_id: int | None = None
    item_id: int | None = None
    channel: str | None = None


@dataclass
class StatsTable:
    group_by: str
    period: str
    filters: StatsFilters
    rows: list[StatsRow]
    total: StatsRow

    @property
    def group_label(self) -> str:
        if self.group_by == "period":
            return f"时间（按{PERIODS[self.period]}）"
        return GROUPS[self.group_by]

    def as_dict(self) -> dict[str, Any]:
        return {
            "group_by": self.group_by,
            "period": self.period,
            "date_from": self.filters.date_from.isoformat() if self.filters.date_from else None,
            "date_to": self.filters.date_to.isoformat() if self.filters.date_to else None,
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.as_dict(),
        }


def _check(group_by: str, period: str, filters: StatsFilters) -> None:
    if group_by not in GROUPS:
        options = "、".join(f"{key}（{label}）" for key, label in GROUPS.items())
        raise ValidationFailed.for_field("group_by", f"分组方式只能是 {options}")
    if period not in PERIODS:
        options = "、".join(f"{key}（{label}）" for key, label in PERIODS.items())
        raise ValidationFailed.for_field("period", f"统计周期只能是 {options}")
    if filters.channel and filters.channel not in EvaluationChannel.values:
        raise ValidationFailed.for_field("channel", "评价渠道只能是 online、onsite 或 qr")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationFailed.for_field("date_to", "结束日期不能早于开始日期")


def valid_evaluations(*, user: Any, filters: StatsFilters) -> QuerySet[Evaluation]:
    """The evaluations the statistics count: in the user's scope, not voided, inside the filters."""
    qs = selectors.evaluation_queryset(
        user=user,
        filters=selectors.EvaluationFilters(
            channel=filters.channel,
            voided=False,
            department_id=filters.department_id,
            hall_id=filters.hall_id,
            window_id=filters.window_id,
            item_id=filters.item_id,
            date_from=filters.date_from,
            date_to=filters.date_to,
        ),
    )
    return qs


def _aggregates() -> dict[str, Any]:
    values: dict[str, Any] = {f"n{level}": Count("id", filter=Q(level=level)) for level in LEVELS_DESC}
    values["rectified"] = Count("id", filter=Q(rectification__status=RectificationStatus.VERIFIED))
    values["return_visit_required"] = Count("id", filter=Q(rectification__return_visit_required=True))
    values["return_visited"] = Count(
        "id",
        filter=Q(rectification__return_visit_required=True, rectification__return_visited_at__isnull=False),
    )
    return values


def _period_key(value: Any, period: str) -> tuple[str, str]:
    if isinstance(value, datetime):
        value = value.astimezone(OFFICE_TZ).date() if value.tzinfo else value.date()
    if not isinstance(value, date):
        return "", "—"
    if period == "day":
        return value.isoformat(), f"{value:%Y-%m-%d}"
    if period == "month":
        return f"{value:%Y-%m}", f"{value.year}年{value.month}月"
    if period == "quarter":
        quarter = (value.month - 1) // 3 + 1
        return f"{value.year}-Q{quarter}", f"{value.year}年第{quarter}季度"
    return str(value.year), f"{value.year}年"


def _group_spec(group_by: str, period: str) -> tuple[list[str], dict[str, Any]]:
    """(values() fields, annotations) of one grouping."""
    if group_by == "department":
        return ["department_id", "department__name"], {}
    if group_by == "hall":
        return ["hall_id", "hall__name"], {}
    if group_by == "window":
        return ["window_id", "window__number", "window__name", "window__hall__name"], {}
    if group_by == "item":
        return ["item_id", "item__code", "item__live_version__name"], {}
    if group_by == "channel":
        return ["channel"], {}
    if group_by == "period":
        return ["bucket"], {"bucket": _TRUNC[period]("evaluated_at", tzinfo=OFFICE_TZ)}
    return [], {}


def _key_label(group_by: str, period: str, values: dict[str, Any]) -> tuple[str, str]:
    if group_by == "department":
        return str(values["department_id"]), values["department__name"] or "—"
    if group_by == "hall":
        if values["hall_id"] is None:
            return "", "（未经大厅：网上办理）"
        return str(values["hall_id"]), values["hall__name"]
    if group_by == "window":
        if values["window_id"] is None:
            return "", "（未指定窗口）"
        return str(values["window_id"]), f"{values['window__hall__name']} {values['window__number']}号窗口"
    if group_by == "item":
        if values["item_id"] is None:
            return "", "（无事项：大厅二维码评价）"
        return str(values["item_id"]), values["item__live_version__name"] or values["item__code"]
    if group_by == "channel":
        return values["channel"], EvaluationChannel(values["channel"]).label
    if group_by == "period":
        return _period_key(values["bucket"], period)
    return "total", "合计"


def evaluation_stats(
    *,
    user: Any,
    group_by: str = "department",
    period: str = "month",
    filters: StatsFilters | None = None,
) -> StatsTable:
    """Statistics of the valid evaluations in the user's ``evaluation.view_evaluation`` scope.

    Rows: by department / hall / window / item / channel (most evaluations first, then by label), or by
    period (chronological); ``total`` sums every row. One aggregate query.
    """
    filters = filters or StatsFilters()
    _check(group_by, period, filters)
    fields, annotations = _group_spec(group_by, period)
    qs = valid_evaluations(user=user, filters=filters)
    if annotations:
        qs = qs.annotate(**annotations)
    grouped = qs.values(*fields).annotate(**_aggregates()).order_by(*fields) if fields else None
    rows: list[StatsRow] = []
    merged: dict[str, StatsRow] = {}
    source: Iterable[dict[str, Any]] = grouped if grouped is not None else [qs.aggregate(**_aggregates())]
    for values in source:
        key, label = _key_label(group_by, period, values)
        row = StatsRow(
            key=key,
            label=label,
            levels={level: int(values[f"n{level}"] or 0) for level in LEVELS_DESC},
            rectified=int(values["rectified"] or 0),
            return_visit_required=int(values["return_visit_required"] or 0),
            return_visited=int(values["return_visited"] or 0),
        )
        if key in merged:  # e.g. two timestamps truncating to one bucket on a backend quirk
            merged[key].add(row)
            continue
        merged[key] = row
        rows.append(row)
    if group_by == "total":
        rows = [r for r in rows if r.total]
    if group_by == "period":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.total, r.label))
    total = StatsRow(key="total", label="合计")
    for row in rows:
        total.add(row)
    return StatsTable(group_by=group_by, period=period, filters=filters, rows=rows, total=total)


# --- export -------------------------------------------------------------------------------------

EXPORT_HEADERS: Final = (
    "评价总数",
    *(Level(level).label for level in LEVELS_DESC),
    "满意率(%)",
    "差评数",
    "差评整改核查通过数",
    "差评整改率(%)",
    "须回访差评数",
    "已回访数",
    "回访率(%)",
    "好差评得分(10分制)",
)

DEFINITIONS: Final = (
    ("统计范围", "未作废的评价（申诉成立而作废的评价不计入任何指标）"),
    ("满意率", "（非常满意 + 满意）÷ 评价总数 × 100%"),
    ("差评", "评价等级为“不满意”或“非常不满意”"),
    ("差评整改率", "整改经核查通过的差评数 ÷ 差评数 × 100%"),
    ("回访率", "已回访的须回访差评数 ÷ 须回访差评数 × 100%（实名差评及留有电话的匿名差评须回访）"),
    (
        "好差评得分",
        "各条评价分值的平均数：非常满意10分、满意8分、基本满意6分、不满意3分、非常不满意0分，四舍五入保留两位小数",
    ),
    ("无数据", "分母为0时显示“—”"),
)


def _cells(row: StatsRow) -> list[Any]:
    def number(value: Decimal | None) -> float | str:
        return "—" if value is None else float(value)

    return [
        row.label,
        row.total,
        *(row.levels[level] for level in LEVELS_DESC),
        number(row.satisfaction_rate),
        row.bad,
        row.rectified,
        number(row.rectification_rate),
        row.return_visit_required,
        row.return_visited,
        number(row.return_visit_rate),
        number(row.score),
    ]


def stats_xlsx(table: StatsTable) -> bytes:
    """The statistics table as an Excel workbook: one sheet of numbers, one of definitions."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "好差评统计"
    span = "全部时间"
    if table.filters.date_from or table.filters.date_to:
        start = table.filters.date_from.isoformat() if table.filters.date_from else "最早"
        end = table.filters.date_to.isoformat() if table.filters.date_to else "至今"
        span = f"{start} 至 {end}"
    sheet.append([f"政务服务“好差评”统计（{span}，按{table.group_label}）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append([table.group_label, *EXPORT_HEADERS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(_cells(row))
    sheet.append(_cells(table.total))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    widths = (36, 10, 10, 8, 10, 8, 12, 10, 8, 18, 14, 14, 10, 10, 18)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    notes = workbook.create_sheet("口径说明")
    notes.append(["指标", "计算口径"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for name, text in DEFINITIONS:
        notes.append([name, text])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
