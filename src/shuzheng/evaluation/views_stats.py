"""The 好差评 dashboard (统计) and its Excel export."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shuzheng.core import errors
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.evaluation import charts, stats
from shuzheng.evaluation.forms_stats import StatsFilterForm
from shuzheng.identity.page_access import staff_required


def _twelve_months_before(day: date) -> date:
    """The first day of the month eleven months before `day`'s month: a twelve-month window."""
    month = day.month - 11
    year = day.year
    if month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


def _stats_params(request: HttpRequest) -> tuple[StatsFilterForm, dict[str, Any]]:
    """The dashboard's filters; an empty field takes its default (by department, by month, the last twelve
    months), and the form shows the defaults it used."""
    query = request.GET.copy()
    for name, default in (("group_by", "department"), ("period", "month")):
        if not query.get(name):
            query[name] = default
    today = timezone.localdate()
    if not query.get("date_to"):
        query["date_to"] = today.isoformat()
    if not query.get("date_from"):
        query["date_from"] = _twelve_months_before(today).isoformat()
    form = StatsFilterForm(query)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    date_to = data.get("date_to") or today
    date_from = data.get("date_from") or _twelve_months_before(date_to)
    params = {
        "valid": valid,
        "group_by": data.get("group_by") or "department",
        "period": data.get("period") or "month",
        "filters": stats.StatsFilters(
            date_from=date_from, date_to=date_to, channel=data.get("channel") or None
        ),
    }
    return form, params


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """好差评统计: level distribution, monthly satisfaction trend, score by department, rectification rate,
    and the statistics table (grouped as chosen) with an Excel export of the same table."""
    form, params = _stats_params(request)
    user = request.user
    filters = params["filters"]
    table = stats.evaluation_stats(
        user=user, group_by=params["group_by"], period=params["period"], filters=filters
    )
    trend = stats.evaluation_stats(user=user, group_by="period", period="month", filters=filters)
    by_department = (
        table
        if params["group_by"] == "department"
        else stats.evaluation_stats(user=user, group_by="department", filters=filters)
    )
    total = table.total
    chart_specs = {
        "levels": charts.level_distribution(total),
        "trend": charts.satisfaction_trend(trend),
        "departments": charts.score_by_department(by_department),
        "rectification": charts.rectification_status(total),
    }
    context = {
        "form": form,
        "table": table,
        "total": total,
        "filters": filters,
        "options": {key: spec[0] for key, spec in chart_specs.items()},
        "summaries": {key: spec[1] for key, spec in chart_specs.items()},
        "departments_height": max(320, 28 * len(by_department.rows) + 80),
        "definitions": stats.DEFINITIONS,
        "export_query": request.GET.urlencode(),
        "target": "9.9",
    }
    status = 200 if params["valid"] else 400
    return render(request, "evaluation/workbench/dashboard.html", context, status=status)


@require_GET
@staff_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    form, params = _stats_params(request)
    if not params["valid"]:
        first = next(iter(form.errors.values()))[0]
        raise errors.ValidationFailed(str(first))
    table = stats.evaluation_stats(
        user=request.user, group_by=params["group_by"], period=params["period"], filters=params["filters"]
    )
    response = HttpResponse(stats.stats_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''evaluation-stats.xlsx"
    return response
