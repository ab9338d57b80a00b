"""What the dashboard, the detail page, the report and the API show of each indicator: its result (scoped
to the viewer), its status against the target and its snapshot series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from shuzheng.core.errors import AuthenticationRequired, PermissionDenied
from shuzheng.indicators.constants import VIEW_PERM, Status
from shuzheng.indicators.definitions import DEFINITIONS
from shuzheng.indicators.selectors.compute import compute, scoped
from shuzheng.indicators.selectors.progress import Point, baselines, series, status_for
from shuzheng.indicators.selectors.results import Result


@dataclass
class Tile:
    result: Result
    status: str
    points: list[Point]

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def definition(self) -> Any:
        return self.result.definition


def require_viewer(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise AuthenticationRequired()
    if not user.has_perm(VIEW_PERM):
        raise PermissionDenied("没有查看规划指标的权限（indicators.view_indicator）。")


def board(*, user: Any) -> list[Tile]:
    """All 22, now, with their status and snapshot series (for a viewer holding the permission)."""
    require_viewer(user)
    today = timezone.localdate()
    starts = baselines(before=today)
    history = series()
    return [
        Tile(result, status_for(result, today, starts.get(d.number)), history.get(d.number, []))
        for d in DEFINITIONS
        for result in [scoped(compute(d.number), user)]
    ]


def tile(*, user: Any, number: int) -> Tile:
    require_viewer(user)
    result = scoped(compute(number), user)
    today = timezone.localdate()
    return Tile(
        result,
        status_for(result, today, baselines(before=today).get(number)),
        series(number).get(number, []),
    )
