"""ECharts options of the 诉求统计 dashboard, built from the statistics selectors (plain JSON-able dicts).

Each builder returns ``(option, summary)``: the summary is one sentence for the chart's aria-label, so
the numbers reach screen readers; the tables under the charts carry every figure. The map of open
appeals is a scatter on a plain longitude/latitude grid (no tiles, works offline).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from shuzheng.appeals import geo

if TYPE_CHECKING:
    from shuzheng.orgs.models import Division

PALETTE = ["#0b4a82", "#3d7a3a", "#8a5300", "#a8161b", "#5b3a8a", "#1d6f78", "#6b6b6b", "#b3541e", "#2f5d1f"]


def bucket_days(since: date, until: date) -> bool:
    """Daily buckets up to two months, monthly beyond."""
    return (until - since).days <= 62


def _buckets(since: date, until: date) -> list[str]:
    if bucket_days(since, until):
        return [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]
    months, day = [], since.replace(day=1)
    while day <= until:
        months.append(f"{day:%Y-%m}")
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def volume_trend(
    rows: list[dict[str, Any]], *, since: date, until: date, labels: dict[str, str], group_label: str
) -> tuple[dict[str, Any], str]:
    """Stacked bars of appeals received per day (or month), one series per group."""
    daily = bucket_days(since, until)
    buckets = _buckets(since, until)
    index = {b: i for i, b in enumerate(buckets)}
    series: dict[str, list[int]] = defaultdict(lambda: [0] * len(buckets))
    for row in rows:
        key = row["day"].isoformat() if daily else f"{row['day']:%Y-%m}"
        if key in index:
            series[labels.get(str(row["key"]), str(row["key"]))][index[key]] += row["count"]
    ordered = sorted(series.items(), key=lambda item: -sum(item[1]))
    option = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "type": "scroll"},
        "grid": {"left": 48, "right": 24, "top": 24, "bottom": 64},
        "xAxis": {"type": "category", "data": buckets},
        "yAxis": {"type": "value", "name": "件", "minInterval": 1},
        "series": [{"name": name, "type": "bar", "stack": "total", "data": data} for name, data in ordered],
    }
    totals = "，".join(f"{name} {sum(data)} 件" for name, data in ordered[:8])
    unit = "日" if daily else "月"
    summary = f"按{unit}受理量（按{group_label}）：" + (totals or "所选期间没有诉求")
    return option, summary


def share_pie(rows: list[dict[str, Any]], *, title: str) -> tuple[dict[str, Any], str]:
    data = [{"name": r["label"], "value": r["count"]} for r in rows]
    option = {
        "color": PALETTE,
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 件（{d}%）"},
        "legend": {"bottom": 0, "type": "scroll"},
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
    summary = f"{title}：" + ("，".join(f"{r['label']} {r['count']} 件" for r in rows) or "暂无数据")
    return option, summary


def ranked_bars(
    rows: list[dict[str, Any]], *, title: str, name: str = "诉求量"
) -> tuple[dict[str, Any], str]:
    """Horizontal bars, largest at the top."""
    option = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 140, "right": 48, "top": 16, "bottom": 32},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [r["label"] for r in rows]},
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": [r["count"] for r in rows],
                "label": {"show": True, "position": "right"},
            }
        ],
    }
    summary = f"{title}：" + ("，".join(f"{r['label']} {r['count']} 件" for r in rows) or "暂无数据")
    return option, summary


def rates(items: list[tuple[str, float | None]]) -> tuple[dict[str, Any], str]:
    """The rate indicators side by side, in percent (a missing rate — nothing to divide by — is empty)."""
    values = [None if v is None else round(v * 100, 1) for _, v in items]
    option = {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 48, "right": 24, "top": 24, "bottom": 64},
        "xAxis": {
            "type": "category",
            "data": [n for n, _ in items],
            "axisLabel": {"interval": 0, "rotate": 20},
        },
        "yAxis": {"type": "value", "name": "%", "min": 0, "max": 100},
        "series": [
            {"name": "比率(%)", "type": "bar", "data": values, "label": {"show": True, "position": "top"}}
        ],
    }
    parts = [f"{n} {'—' if v is None else f'{v}%'}" for (n, _), v in zip(items, values, strict=True)]
    return option, "主要比率：" + "，".join(parts)


def open_map(
    *,
    by_division: list[dict[str, Any]],
    points: list[dict[str, Any]],
    towns: dict[str, Division],
) -> tuple[dict[str, Any], str, int]:
    """Open appeals on a plain longitude/latitude grid: towns as labelled reference points, open appeals
    without coordinates as circles at their division (size by count), with coordinates as red dots.
    Returns the option, the summary and how many open appeals could not be placed."""
    centres = geo.town_centres()
    reference = [
        {"name": town.name, "value": [lng, lat]}
        for town in sorted(towns.values(), key=lambda t: t.code)
        if (pos := centres.get(town.name)) is not None
        for lat, lng in [pos]
    ]
    placed, unplaced = [], 0
    for row in by_division:
        division: Division = row["division"]
        pos = geo.division_position(division, towns)
        if pos is None:
            unplaced += row["count"]
            continue
        placed.append(
            {
                "name": f"{division.name}：{row['count']} 件未办结",
                "value": [pos[1], pos[0], row["count"]],
                "symbolSize": min(60, 8 + 4 * row["count"] ** 0.5 * 2),
            }
        )
    dots = [
        {"name": f"{p['number']} {p['category'] or ''}".strip(), "value": [p["lng"], p["lat"]]}
        for p in points
    ]
    south, west, north, east = _bounds(reference, placed, dots)
    option = {
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "legend": {"bottom": 0},
        "grid": {"left": 56, "right": 24, "top": 24, "bottom": 56},
        "xAxis": {"type": "value", "name": "经度", "min": west, "max": east, "splitLine": {"show": True}},
        "yAxis": {"type": "value", "name": "纬度", "min": south, "max": north, "splitLine": {"show": True}},
        "series": [
            {
                "name": "镇街",
                "type": "scatter",
                "symbol": "diamond",
                "symbolSize": 8,
                "itemStyle": {"color": "#6b6b6b"},
                "label": {"show": True, "position": "right", "formatter": "{b}", "color": "#333"},
                "data": reference,
                "z": 1,
            },
            {
                "name": "未办结诉求（按区划）",
                "type": "scatter",
                "itemStyle": {"color": "rgba(11,74,130,0.55)"},
                "data": placed,
                "z": 2,
            },
            {
                "name": "未办结诉求（有坐标）",
                "type": "scatter",
                "symbolSize": 7,
                "itemStyle": {"color": "#a8161b"},
                "data": dots,
                "z": 3,
            },
        ],
    }
    total = sum(r["count"] for r in by_division) + len(points)
    busiest = sorted(by_division, key=lambda r: -r["count"])[:5]
    summary = f"未办结诉求分布：共 {total} 件" + (
        "；最多的区划：" + "，".join(f"{r['division'].name} {r['count']} 件" for r in busiest)
        if busiest
        else ""
    )
    return option, summary, unplaced


def _bounds(*groups: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    lats = [item["value"][1] for group in groups for item in group]
    lngs = [item["value"][0] for group in groups for item in group]
    if not lats:
        lat, lng = geo.city_centre()
        return round(lat - 0.2, 2), round(lng - 0.2, 2), round(lat + 0.2, 2), round(lng + 0.2, 2)
    pad = 0.03
    return (
        round(min(lats) - pad, 2),
        round(min(lngs) - pad, 2),
        round(max(lats) + pad, 2),
        round(max(lngs) + pad, 2),
    )
