"""Indicators 7 (好差评), 13 (data sharing) and 16 (open datasets), read from the evaluation and data hub
contexts; 4 (一件事), 18 (e-licences) and 19 (e-seals) from the bundles and licences contexts once those
provide their figures (bundles.selectors, licences.selectors)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from shuzheng.bundles import selectors as bundle_selectors
from shuzheng.bundles.constants import SYNTHETIC_PREFIX
from shuzheng.core.calendar import OFFICE_TZ
from shuzheng.datahub.selectors import indicators as datahub_indicators
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.datahub.selectors import sharing as sharing_selectors
from shuzheng.evaluation import selectors as evaluation_selectors
from shuzheng.evaluation.stats import score_of
from shuzheng.indicators.definitions import definition
from shuzheng.indicators.selectors.results import DrillDown, Record, Result, Row, rate
from shuzheng.licences import selectors as licence_selectors
from shuzheng.orgs import selectors as orgs_selectors


def good_bad_score(as_of: date | None = None) -> Result:
    """7: the 10-point score of every valid evaluation up to ``as_of`` (evaluation.stats.score_of)."""
    counts = evaluation_selectors.level_counts_by_department(until=as_of)
    city: dict[int, int] = {}
    for levels in counts.values():
        for level, n in levels.items():
            city[level] = city.get(level, 0) + n
    names = {d.pk: d.name for d in orgs_selectors.departments_by_ids(list(counts))}
    rows = sorted(
        (
            Row(
                names.get(d, str(d)),
                sum(levels.values()),
                None,
                score_of(levels),
                key=str(d),
                department_id=d,
            )
            for d, levels in counts.items()
        ),
        key=lambda r: (r.value if r.value is not None else 0, r.label),
    )
    return Result(
        definition(7),
        score_of(city),
        None,
        sum(city.values()),
        denominator_label="有效评价数",
        breakdown_title="各部门得分（低分在前；分子列为评价数）",
        breakdown=rows,
    )


def sharing(as_of: date | None = None) -> Result:
    """13: sharing requests approved ÷ requests (withdrawn left out), datahub.selectors.sharing_indicator."""
    figure = sharing_selectors.sharing_indicator(until=as_of)
    rows = sorted(
        (
            Row(
                r["name"],
                r["satisfied"],
                r["total"],
                rate(r["satisfied"], r["total"]),
                key=r["code"],
                department_id=r["department_id"],
            )
            for r in datahub_indicators.sharing_by_provider(until=as_of)
        ),
        key=lambda r: (r.value if r.value is not None else 0, r.label),
    )
    missing = [
        Record(
            r["title"],
            f"{r['provider']} · {r['status']}",
            reverse("datahub:wb_request", args=[r["id"]]),
            department_id=r["provider_id"],
        )
        for r in datahub_indicators.unsatisfied_requests(until=as_of)
    ]
    return Result(
        definition(13),
        rate(figure.satisfied, figure.total),
        figure.satisfied,
        figure.total,
        numerator_label="已满足的共享需求（已同意）",
        denominator_label="共享需求（不含撤回）",
        breakdown_title="按提供部门（低者在前）",
        breakdown=rows,
        drilldowns=[DrillDown.of("未满足的共享需求（待审批或不予共享）", missing)],
    )


def open_datasets(as_of: date | None = None) -> Result:
    """16: active open datasets — the count CKAN's package_search reports."""
    count = open_data_selectors.open_dataset_queryset().count()
    rows = [
        Row(r["name"], r["dataset_count"], None, None, key=r["code"])
        for r in open_data_selectors.open_department_stats()
    ]
    return Result(
        definition(16),
        Decimal(count),
        count,
        None,
        numerator_label="正在开放的数据集",
        breakdown_title="按提供部门的开放数据集个数",
        breakdown=rows,
        historical=False,
    )


def _end_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.max, tzinfo=OFFICE_TZ)


def bundle_services(as_of: date | None = None) -> Result:
    """4: published 一件事 bundles (bundles.selectors.published_bundle_count; synthetic ones left out)."""
    count = bundle_selectors.published_bundle_count()
    live = [
        v
        for v in bundle_selectors.live_queryset().order_by("code")
        if not v.code.startswith(SYNTHETIC_PREFIX)
    ]
    return Result(
        definition(4),
        Decimal(count),
        count,
        None,
        numerator_label="已发布的“一件事”主题",
        drilldowns=[
            DrillDown.of(
                "已发布的“一件事”主题",
                [
                    Record(
                        v.name,
                        v.lead_department.name,
                        reverse("bundles:detail", args=[v.code]),
                        department_id=v.lead_department_id,
                    )
                    for v in live
                ],
            )
        ],
        historical=False,
    )


def licence_use(as_of: date | None = None) -> Result:
    """18: 行政许可 items for which an e-licence was used in a case in the year up to ``as_of``
    (licences.selectors.licence_use_rate) ÷ live 行政许可 items."""
    end = as_of or timezone.localdate()
    start = end - timedelta(days=364)
    used, total = licence_selectors.licence_use_rate((start, end))
    return Result(
        definition(18),
        rate(used, total),
        used,
        total,
        numerator_label=f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d} 使用过电子证照的行政许可事项",
        denominator_label="行政许可事项（现行版本）",
        note="统计期为截至统计日的一年（365天）。",
        historical=False,
    )


def e_seals(as_of: date | None = None) -> Result:
    """19: government departments holding a valid official e-seal at the end of ``as_of``
    (licences.selectors.seal_coverage) ÷ government departments (member units left out)."""
    at = _end_of(as_of)
    covered, total = licence_selectors.seal_coverage(at=at)
    missing = [
        Record(d.name, d.code, department_id=d.pk) for d in licence_selectors.departments_without_seal(at=at)
    ]
    return Result(
        definition(19),
        rate(covered, total),
        covered,
        total,
        numerator_label="持有有效电子公章的政府部门",
        denominator_label="政府部门（不含成员单位）",
        drilldowns=[DrillDown.of("尚无有效电子公章的政府部门", missing)],
    )
