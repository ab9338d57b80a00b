"""The indicator pages of the workbench: the 驾驶舱, one page per indicator, department scorecards and the
annual report (page and xlsx). Registries and projects are in ``views_registers``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.identity.page_access import staff_required
from shuzheng.indicators import charts, report
from shuzheng.indicators.constants import TARGET_DATE, Category
from shuzheng.indicators.definitions import definition
from shuzheng.indicators.selectors import board as board_selectors
from shuzheng.indicators.selectors.board import Tile
from shuzheng.indicators.selectors.scorecards import COMPONENTS
from shuzheng.indicators.selectors.scorecards import scorecards as scorecard_list


def _grouped(tiles: list[Tile]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Tiles by category, each with its sparkline option when it has two snapshots or more."""

    def entry(t: Tile) -> dict[str, Any]:
        spark = charts.sparkline(t.points) if len(t.points) > 1 else None
        return {"tile": t, "spark": spark, "spark_id": f"spark-{t.definition.number}"}

    return [(c.label, [entry(t) for t in tiles if t.definition.category == c]) for c in Category]


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    tiles = board_selectors.board(user=request.user)
    counts = {
        status: sum(1 for t in tiles if t.status == status)
        for status in ("met", "on_track", "behind", "no_data")
    }
    context = {
        "groups": _grouped(tiles),
        "counts": counts,
        "with_value": sum(1 for t in tiles if t.result.available),
        "today": timezone.localdate(),
        "target_date": TARGET_DATE,
    }
    return render(request, "indicators/workbench/dashboard.html", context)


@require_GET
@staff_required
def detail(request: HttpRequest, number: int) -> HttpResponse:
    definition(number)  # 404 outside 1–22
    tile = board_selectors.tile(user=request.user, number=number)
    option, summary = charts.trend(tile.definition, tile.points)
    context = {"tile": tile, "result": tile.result, "option": option, "summary": summary}
    return render(request, "indicators/workbench/detail.html", context)


@require_GET
@staff_required
def scorecards(request: HttpRequest) -> HttpResponse:
    board_selectors.require_viewer(request.user)
    cards, targets = scorecard_list(user=request.user)
    context = {"cards": cards, "components": COMPONENTS, "targets": targets}
    return render(request, "indicators/workbench/scorecards.html", context)


@require_GET
@staff_required
def scorecards_export(request: HttpRequest) -> HttpResponse:
    board_selectors.require_viewer(request.user)
    cards, _targets = scorecard_list(user=request.user)
    response = HttpResponse(report.scorecards_xlsx(cards), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''indicator-scorecards.xlsx"
    return response


@require_GET
@staff_required
def annual_report(request: HttpRequest) -> HttpResponse:
    tiles = board_selectors.board(user=request.user)
    context = {"tiles": tiles, "today": timezone.localdate(), "target_date": TARGET_DATE}
    return render(request, "indicators/workbench/report.html", context)


@require_GET
@staff_required
def annual_report_export(request: HttpRequest) -> HttpResponse:
    tiles = board_selectors.board(user=request.user)
    today = timezone.localdate()
    response = HttpResponse(report.report_xlsx(tiles, today), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''indicator-report-{today:%Y%m%d}.xlsx"
    return response
