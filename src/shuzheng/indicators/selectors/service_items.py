"""Indicators 1, 2, 3, 6 and 20: shares of the live service items (依申请政务服务事项, the catalog's live
versions), by department, with the items that miss the mark."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.urls import reverse

from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.catalog.constants import ApplyChannel, Exemption
from shuzheng.indicators.definitions import definition
from shuzheng.indicators.selectors.results import DrillDown, Record, Result, Row, rate

FIELDS = (
    "pk",
    "code",
    "name",
    "department_id",
    "department__name",
    "onsite_visits",
    "comprehensive_window",
    "exemptions",
    "high_frequency",
    "cross_region",
    "channels",
    "form_schema",
)
_FOUR = frozenset(Exemption.values)


def _items(*, high_frequency: bool | None = None) -> list[dict[str, Any]]:
    qs = catalog_selectors.guide_queryset(high_frequency=high_frequency).order_by("code")
    return list(qs.values(*FIELDS))


def _share(
    number: int,
    items: list[dict[str, Any]],
    passes: Callable[[dict[str, Any]], bool],
    *,
    numerator_label: str,
    denominator_label: str,
    missing_title: str,
    note: str = "",
) -> Result:
    by_department: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    missing: list[Record] = []
    hits = 0
    for item in items:
        ok = passes(item)
        hits += ok
        counts = by_department.setdefault(item["department_id"], [0, 0])
        counts[0] += ok
        counts[1] += 1
        names[item["department_id"]] = item["department__name"]
        if not ok:
            missing.append(
                Record(
                    f"{item['name']}（{item['code']}）",
                    item["department__name"],
                    reverse("catalog:guide_detail", args=[item["code"]]),
                    department_id=item["department_id"],
                )
            )
    rows = sorted(
        (
            Row(names[d], n, total, rate(n, total), key=str(d), department_id=d)
            for d, (n, total) in by_department.items()
        ),
        key=lambda r: (r.value if r.value is not None else 0, r.label),
    )
    return Result(
        definition(number),
        rate(hits, len(items)),
        hits,
        len(items),
        numerator_label=numerator_label,
        denominator_label=denominator_label,
        breakdown_title="按实施部门（低者在前）",
        breakdown=rows,
        drilldowns=[DrillDown.of(missing_title, missing)],
        note=note,
        historical=False,
    )


def at_most_one_visit(as_of: date | None = None) -> Result:
    """1 最多跑一次: live items needing at most one visit on site (到现场次数 0 or 1)."""
    return _share(
        1,
        _items(),
        lambda i: i["onsite_visits"] <= 1,
        numerator_label="到现场不超过一次的事项",
        denominator_label="依申请政务服务事项（现行版本）",
        missing_title="需多次到现场的事项",
    )


def one_window(as_of: date | None = None) -> Result:
    """2 一窗综合受理: live items taken in at comprehensive windows."""
    return _share(
        2,
        _items(),
        lambda i: bool(i["comprehensive_window"]),
        numerator_label="纳入综合窗口的事项",
        denominator_label="依申请政务服务事项（现行版本）",
        missing_title="未纳入综合窗口的事项",
    )


def four_exemptions(as_of: date | None = None) -> Result:
    """3 四免: high-frequency live items with all four exemptions."""
    return _share(
        3,
        _items(high_frequency=True),
        lambda i: set(i["exemptions"] or []) >= _FOUR,
        numerator_label="实现“四免”的高频事项",
        denominator_label="高频服务事项",
        missing_title="未实现“四免”的高频事项",
    )


def cross_province(as_of: date | None = None) -> Result:
    """6 跨省通办: items on the high-frequency list available across provinces."""
    return _share(
        6,
        _items(high_frequency=True),
        lambda i: bool(i["cross_region"]),
        numerator_label="已实现跨省通办的高频事项",
        denominator_label="高频事项清单",
        missing_title="未实现跨省通办的高频事项",
    )


def single_sign_on(as_of: date | None = None) -> Result:
    """20 单点登录: online items (网上办事大厅 a channel) whose application is made on the platform's own
    portal, behind its single sign-on; an online item without a form on the platform is applied for
    elsewhere."""
    online = [i for i in _items() if ApplyChannel.PORTAL in (i["channels"] or [])]
    return _share(
        20,
        online,
        lambda i: bool(i["form_schema"]),
        numerator_label="可在平台统一身份认证后直接申办的网办事项",
        denominator_label="可网办事项（渠道含网上办事大厅）",
        missing_title="需另行登录其他系统申办的网办事项",
    )
