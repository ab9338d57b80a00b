"""ECharts options of the indicator pages (plain JSON-able dicts), each with a text summary for its
aria-label so the numbers reach screen readers."""

from __future__ import annotations

from typing import Any

from shuzheng.indicators.definitions import Definition
from shuzheng.indicators.selectors.progress import Point


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def sparkline(points: list[Point]) -> dict[str, Any]:
    return {
        "animation": False,
        "grid": {"left": 2, "right": 2, "top": 4, "bottom": 4},
        "xAxis": {"type": "category", "show": False, "data": [p.day.isoformat() for p in points]},
        "yAxis": {"type": "value", "show": False, "scale": True},
        "tooltip": {"trigger": "axis"},
        "series": [{"type": "line", "symbol": "none", "data": [_number(p.value) for p in points]}],
    }


def trend(definition: Definition, points: list[Point]) -> tuple[dict[str, Any], str]:
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 56, "right": 24, "top": 24, "bottom": 56},
        "xAxis": {"type": "category", "data": [p.day.isoformat() for p in points]},
        "yAxis": {"type": "value", "name": definition.unit, "scale": True},
        "series": [
            {"name": "指标值", "type": "line", "data": [_number(p.value) for p in points]},
            {
                "name": f"目标 {definition.target.normalize():f}",
                "type": "line",
                "symbol": "none",
                "lineStyle": {"type": "dashed"},
                "data": [float(definition.target)] * len(points),
            },
        ],
    }
    if points:
        first, last = points[0], points[-1]
        summary = (
            f"{definition.name}快照 {len(points)} 个：{first.day:%Y-%m-%d} 为 {_number(first.value)}，"
            f"{last.day:%Y-%m-%d} 为 {_number(last.value)}；"
            f"目标 {definition.target.normalize():f}{definition.unit}"
        )
    else:
        summary = f"{definition.name}尚无快照"
    return option, summary
