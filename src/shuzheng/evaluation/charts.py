"""ECharts options of the 好差评 dashboard, built from statistics tables (plain JSON-able dicts).

Each chart also gets a one-sentence text summary for its aria-label, so the numbers reach screen
readers; the statistics table under the charts carries every figure.
"""

from __future__ import annotations

from typing import Any

from shuzheng.evaluation.constants import Level
from shuzheng.evaluation.stats import LEVELS_DESC, StatsRow, StatsTable

LEVEL_COLOURS = {5: "#3d7a3a", 4: "#0b4a82", 3: "#8a5300", 2: "#a8161b", 1: "#5b1a1d"}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def level_distribution(total: StatsRow) -> tuple[dict[str, Any], str]:
    data = [
        {
            "name": f"{Level(level).label}（{total.levels[level]}）",
            "value": total.levels[level],
            "itemStyle": {"color": LEVEL_COLOURS[level]},
        }
        for level in LEVELS_DESC
    ]
    option = {
        "tooltip": {"trigger": "item", "formatter": "{b}：{d}%"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "62%"],
                "center": ["50%", "45%"],
                "label": {"show": False},
                "data": data,
            }
        ],
    }
    summary = "评价等级分布：" + "，".join(
        f"{Level(level).label} {total.levels[level]} 条" for level in LEVELS_DESC
    )
    return option, summary


def satisfaction_trend(table: StatsTable) -> tuple[dict[str, Any], str]:
    labels = [row.label for row in table.rows]
    rates = [_number(row.satisfaction_rate) for row in table.rows]
    scores = [_number(row.score) for row in table.rows]
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 48, "right": 48, "top": 24, "bottom": 56},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": [
            {"type": "value", "name": "满意率(%)", "min": 0, "max": 100},
            {"type": "value", "name": "得分", "min": 0, "max": 10},
        ],
        "series": [
            {"name": "满意率(%)", "type": "line", "data": rates, "connectNulls": False},
            {"name": "好差评得分", "type": "line", "yAxisIndex": 1, "data": scores},
        ],
    }
    if table.rows:
        parts = [
            f"{row.label} {row.satisfaction_rate}%" for row in table.rows if row.satisfaction_rate is not None
        ]
        summary = "各月满意率：" + ("，".join(parts) if parts else "暂无评价")
    else:
        summary = "各月满意率：暂无评价"
    return option, summary


def score_by_department(table: StatsTable) -> tuple[dict[str, Any], str]:
    """Every department with evaluations, lowest score at the top (where attention is needed)."""
    rows = sorted((r for r in table.rows if r.score is not None), key=lambda r: (r.score, r.label))
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 160, "right": 40, "top": 16, "bottom": 32},
        "xAxis": {"type": "value", "min": 0, "max": 10, "name": "得分"},
        "yAxis": {"type": "category", "inverse": True, "data": [r.label for r in rows]},
        "series": [
            {
                "name": "好差评得分",
                "type": "bar",
                "data": [_number(r.score) for r in rows],
                "label": {"show": True, "position": "right"},
                "markLine": {
                    "data": [{"xAxis": 9.9, "name": "目标 9.9"}],
                    "label": {"formatter": "目标 9.9"},
                },
            }
        ],
    }
    parts = [f"{r.label} {r.score} 分" for r in rows]
    summary = "各部门好差评得分（10分制）：" + ("，".join(parts) if parts else "暂无评价")
    return option, summary


def rectification_status(total: StatsRow) -> tuple[dict[str, Any], str]:
    rate = _number(total.rectification_rate)
    option = {
        "series": [
            {
                "type": "gauge",
                "min": 0,
                "max": 100,
                "progress": {"show": True, "width": 14},
                "axisLine": {"lineStyle": {"width": 14}},
                "detail": {"formatter": "{value}%", "fontSize": 24},
                "title": {"offsetCenter": [0, "70%"]},
                "data": [{"value": rate if rate is not None else 0, "name": "差评整改率"}],
            }
        ]
    }
    if rate is None:
        summary = "差评整改率：暂无差评"
    else:
        summary = (
            f"差评整改率 {total.rectification_rate}%（差评 {total.bad} 条，"
            f"整改核查通过 {total.rectified} 条）"
        )
    return option, summary
