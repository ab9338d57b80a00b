"""The 诉求统计 dashboard as an Excel workbook (openpyxl): the indicators with their numerators and
denominators, every breakdown, the hot spots, the daily volume and the definitions."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: (indicator, key in appeal_stats, numerator key, denominator key, definition)
INDICATORS: list[tuple[str, str, str, str, str]] = [
    ("办结率", "closure_rate", "finished", "total", "已办结（含直接答复办结）诉求数 ÷ 受理诉求总数"),
    (
        "按时办结率",
        "on_time_rate",
        "counts.on_time",
        "counts.finished_with_due",
        "在办理期限内办结的诉求数 ÷ 已办结且有办理期限的诉求数",
    ),
    (
        "满意率",
        "satisfaction_rate",
        "counts.satisfied",
        "counts.rated",
        "回访结果为“满意”或“基本满意”的诉求数 ÷ 有回访评价的诉求数（回访未成功不计）",
    ),
    (
        "回访率",
        "visit_rate",
        "counts.work_orders_visited",
        "counts.work_orders_closed",
        "有回访记录的已办结工单数 ÷ 已办结工单数",
    ),
    (
        "首次派单准确率",
        "first_dispatch_accuracy",
        "counts.first_right",
        "counts.dispatched",
        "工单从未退单、改派的已派单诉求数 ÷ 已派单诉求数",
    ),
    (
        "知识库答复率",
        "kb_answered_rate",
        "counts.kb",
        "total",
        "引用知识库直接答复办结的诉求数 ÷ 受理诉求总数",
    ),
]
DEFINITIONS = [(name, text) for name, _, _, _, text in INDICATORS] + [
    (
        "统计范围",
        "本人诉求统计数据范围内、登记时间在所选期间（北京时间）内的诉求；选择部门时只统计该部门及其下级单位主办的诉求",
    ),
    ("热点村居", "所选期间诉求最多的村居（或诉求登记到的区划）"),
    (
        "未办结诉求地图",
        "当前待派单、办理中的诉求；有坐标的按坐标标注，其余按所在区划的示意位置汇总（镇街位置为近似值）",
    ),
]


def value_of(stats: dict[str, Any], key: str) -> Any:
    value: Any = stats
    for part in key.split("."):
        value = value[part]
    return value


def indicator_rows(stats: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "rate": stats[key],
            "percent": None if stats[key] is None else round(stats[key] * 100, 1),
            "numerator": value_of(stats, num),
            "denominator": value_of(stats, den),
            "definition": text,
        }
        for name, key, num, den, text in INDICATORS
    ]


def _bold(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def _table(
    workbook: Workbook, title: str, headers: list[str], rows: list[list[Any]], widths: list[int]
) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    _bold(sheet, 1)
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def stats_xlsx(report: dict[str, Any]) -> bytes:
    """``report`` is what the dashboard shows (views_stats.build_report)."""
    stats = report["stats"]
    since: date = report["since"]
    until: date = report["until"]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "主要指标"
    scope = f"，{report['department'].name}" if report.get("department") else ""
    sheet.append([f"诉求统计（{since.isoformat()} 至 {until.isoformat()}{scope}）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["指标", "数值", "比率(%)", "分子", "分母"])
    _bold(sheet, 2)
    for label, key in (
        ("受理诉求", "total"),
        ("已办结", "finished"),
        ("未办结", "open"),
        ("超期未办结", "overdue_open"),
    ):
        sheet.append([label, stats[key], None, None, None])
    for row in indicator_rows(stats):
        sheet.append([row["name"], row["rate"], row["percent"], row["numerator"], row["denominator"]])
    for index, width in enumerate((18, 12, 12, 12, 12), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for title, key in (
        ("按渠道", "by_channel"),
        ("按类型", "by_type"),
        ("按分类", "by_category"),
        ("按镇街", "by_town"),
    ):
        _table(workbook, title, ["名称", "诉求量"], [[r["label"], r["count"]] for r in report[key]], [30, 12])
    _table(
        workbook,
        "热点村居",
        ["区划代码", "区划", "诉求量"],
        [[r["division_code"], r["division"], r["count"]] for r in report["hot_spots"]],
        [16, 30, 12],
    )
    _table(
        workbook,
        "每日受理量",
        ["日期", report["group_label"], "诉求量"],
        [[r["day"].isoformat(), r["label"], r["count"]] for r in report["volume"]],
        [14, 30, 12],
    )
    _table(workbook, "口径说明", ["指标", "计算口径"], [list(d) for d in DEFINITIONS], [18, 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
