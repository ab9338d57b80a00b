"""The annual report (年度报告) and the scorecards as Excel workbooks — what the city would submit."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shuzheng.indicators.selectors.board import Tile
from shuzheng.indicators.selectors.scorecards import COMPONENTS, Scorecard

REPORT_HEADERS = (
    "序号",
    "类别",
    "指标",
    "单位",
    "2025年目标",
    "当前值",
    "分子",
    "分母",
    "状态",
    "数据来源",
    "计算方法",
    "说明",
)


def _cell(value: Decimal | int | None) -> Any:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _book(title: str, headers: tuple[str, ...], rows: list[list[Any]], widths: dict[int, int]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_xlsx(tiles: list[Tile], day: date) -> bytes:
    rows = [
        [
            t.definition.number,
            t.definition.category_label,
            t.definition.name,
            t.definition.unit,
            float(t.definition.target),
            _cell(t.result.value) if t.result.available else None,
            _cell(t.result.numerator),
            _cell(t.result.denominator),
            t.status_label,
            t.definition.source_label,
            t.definition.formula,
            t.result.note or ("分母为0，不计算比率" if t.result.available and t.result.value is None else ""),
        ]
        for t in tiles
    ]
    return _book(f"规划指标 {day:%Y-%m-%d}", REPORT_HEADERS, rows, {3: 34, 10: 14, 11: 60, 12: 30})


def scorecards_xlsx(cards: list[Scorecard]) -> bytes:
    headers = ("排名", "部门编码", "部门", "综合得分", *(label for _k, label, _t in COMPONENTS))
    rows = [
        [c.rank, c.code, c.name, _cell(c.composite), *(_cell(c.values.get(k)) for k, _l, _t in COMPONENTS)]
        for c in cards
    ]
    return _book("部门考评", headers, rows, {3: 30})
