"""/api/v1/indicators/...: 规划指标 — the 22 indicators of the plan's Table 1, computed live, with their
status against the 2025 target; one indicator with its numerator, denominator, breakdown, drill-down and
snapshot series. Needs ``indicators.view_indicator``; breakdowns and records follow its data scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import django_auth

from shuzheng.indicators.definitions import definition
from shuzheng.indicators.schemas import PlanIndicatorDetailOut, PlanIndicatorOut
from shuzheng.indicators.selectors import board
from shuzheng.indicators.selectors.board import Tile

router = Router(tags=["规划指标"], auth=django_auth)


def _out(tile: Tile) -> dict[str, Any]:
    d = tile.definition
    result = tile.result.as_dict()
    return {
        "number": d.number,
        "name": d.name,
        "category": d.category_label,
        "unit": d.unit,
        "formula": d.formula,
        "value": result["value"],
        "display": result["display"],
        "available": result["available"],
        "target": float(d.target),
        "status": tile.status,
        "status_label": tile.status_label,
        "source": d.source,
    }


@router.get("", response=list[PlanIndicatorOut], summary="22项规划指标（当前值、目标、状态）")
def list_indicators(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(t) for t in board.board(user=request.user)]


@router.get(
    "/{int:number}", response=PlanIndicatorDetailOut, summary="单项指标（分子、分母、分解、明细、快照）"
)
def get_indicator(request: HttpRequest, number: int) -> dict[str, Any]:
    definition(number)  # 404 with a Chinese detail outside 1–22
    tile = board.tile(user=request.user, number=number)
    result = tile.result.as_dict()
    return {
        **_out(tile),
        **{
            k: result[k]
            for k in (
                "numerator",
                "denominator",
                "numerator_label",
                "denominator_label",
                "note",
                "breakdown_title",
                "breakdown",
                "drilldowns",
            )
        },
        "historical": tile.result.historical,
        "snapshots": [
            {"day": p.day, "value": None if p.value is None else float(p.value), "status": p.status}
            for p in tile.points
        ],
    }
