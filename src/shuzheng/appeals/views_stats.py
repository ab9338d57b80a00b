"""诉求统计 (/workbench/appeals/stats/): volume over time and by channel, type, category and town, the rate
indicators, top categories, hot spots, a map of open appeals that needs no internet, and the same numbers
as an Excel export. Staff with ``appeals.view_appeal_stats``; every number is within their data scope."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shuzheng.appeals import charts, geo, stats_xlsx
from shuzheng.appeals.constants import AppealChannel, AppealStatus, AppealType
from shuzheng.appeals.forms_stats import GROUPS, StatsForm
from shuzheng.appeals.selectors import common as common_selectors
from shuzheng.appeals.selectors import stats as stats_selectors
from shuzheng.core import errors
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.identity.page_access import perm_required

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

TOP = 10


def _labels(group: str) -> dict[str, str]:
    if group == "channel":
        return {k: str(v) for k, v in AppealChannel.choices}
    if group == "appeal_type":
        return {k: str(v) for k, v in AppealType.choices}
    if group == "status":
        return {k: str(v) for k, v in AppealStatus.choices}
    return {}


def _labelled(rows: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [{**r, "label": labels.get(str(r["key"]), r["label"] or "未分类")} for r in rows]


def build_report(
    *, user: Any, since: date, until: date, department: Department | None, group: str
) -> dict[str, Any]:
    """Everything the page and the export show, from the statistics selectors (scope applied there)."""
    stats = stats_selectors.appeal_stats(user=user, since=since, until=until, department=department)
    labels = _labels(group)
    volume = stats_selectors.appeal_volume(
        user=user, since=since, until=until, group_by=group, department=department
    )
    return {
        "stats": stats,
        "since": since,
        "until": until,
        "department": department,
        "group": group,
        "group_label": dict(GROUPS)[group],
        "indicators": stats_xlsx.indicator_rows(stats),
        "by_channel": _labelled(stats["by_channel"], _labels("channel")),
        "by_type": _labelled(stats["by_type"], _labels("appeal_type")),
        "by_category": _labelled(stats["by_category"], {}),
        "by_town": stats["by_town"],
        "hot_spots": stats_selectors.hot_spots(user=user, since=since, until=until, department=department),
        "volume_rows": volume,
        "volume": [{**r, "label": labels.get(str(r["key"]), str(r["key"]))} for r in volume],
        "volume_labels": labels,
    }


def _params(request: HttpRequest) -> tuple[StatsForm, dict[str, Any] | None]:
    departments = stats_selectors.stats_departments(user=request.user)
    form = StatsForm(request.GET or {"period": "30", "group_by": "channel"}, departments=departments)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, {
        "since": data["since"],
        "until": data["until"],
        "department": data["department_obj"],
        "group": data["group"],
    }


@require_GET
@perm_required(common_selectors.STATS_PERM, "查看诉求统计")
def stats_dashboard(request: HttpRequest) -> HttpResponse:
    form, params = _params(request)
    if params is None:
        return render(request, "appeals/stats/dashboard.html", {"form": form, "report": None}, status=400)
    report = build_report(user=request.user, **params)
    department = params["department"]
    towns = geo.towns_by_code()
    map_option, map_summary, unplaced = charts.open_map(
        by_division=stats_selectors.open_appeals_by_division(user=request.user, department=department),
        points=stats_selectors.open_appeal_points(user=request.user, department=department),
        towns=towns,
    )
    top_categories = report["by_category"][:TOP]
    chart_specs = {
        "volume": charts.volume_trend(
            report["volume_rows"],
            since=params["since"],
            until=params["until"],
            labels=report["volume_labels"],
            group_label=report["group_label"],
        ),
        "rates": charts.rates([(r["name"], r["rate"]) for r in report["indicators"]]),
        "channels": charts.share_pie(report["by_channel"], title="按渠道"),
        "types": charts.share_pie(report["by_type"], title="按诉求类型"),
        "towns": charts.ranked_bars(report["by_town"], title="按镇街"),
        "categories": charts.ranked_bars(top_categories, title=f"诉求量前{TOP}的分类"),
        "hot_spots": charts.ranked_bars(
            [{"label": r["division"], "count": r["count"]} for r in report["hot_spots"][:TOP]],
            title="热点村居",
        ),
        "map": (map_option, map_summary),
    }
    context = {
        "form": form,
        "report": report,
        "stats": report["stats"],
        "top_categories": top_categories,
        "options": {key: spec[0] for key, spec in chart_specs.items()},
        "summaries": {key: spec[1] for key, spec in chart_specs.items()},
        "unplaced": unplaced,
        "definitions": stats_xlsx.DEFINITIONS,
        "export_query": request.GET.urlencode(),
        "towns_height": max(280, 28 * len(report["by_town"]) + 60),
    }
    return render(request, "appeals/stats/dashboard.html", context)


@require_GET
@perm_required(common_selectors.STATS_PERM, "查看诉求统计")
def stats_export(request: HttpRequest) -> HttpResponse:
    form, params = _params(request)
    if params is None:
        first = next(iter(form.errors.values()))[0]
        raise errors.ValidationFailed(str(first))
    report = build_report(user=request.user, **params)
    response = HttpResponse(stats_xlsx.stats_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    name = f"appeal-stats-{params['since']:%Y%m%d}-{params['until']:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
