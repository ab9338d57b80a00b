"""Grid events (网格事件) as their reporting grid worker sees them."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from shuzheng.appeals.models import Appeal
from shuzheng.appeals.selectors.common import APPEAL_ORDER, appeal_related, authenticated
from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.orgs import selectors as orgs_selectors


def _require_grid_reporter(user: Any) -> None:
    authenticated(user)
    if not user.has_perm("appeals.report_grid_event"):
        raise PermissionDenied("没有上报网格事件的权限（appeals.report_grid_event）")


def my_grid_events(
    *, user: Any, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Appeal]:
    """The grid events this grid worker reported, newest first."""
    _require_grid_reporter(user)
    qs = Appeal.objects.filter(channel="grid", created_by_id=user.pk)
    if status:
        qs = qs.filter(status=status)
    return keyset_page(appeal_related(qs), order=APPEAL_ORDER, cursor=cursor, limit=limit)


def my_grid_event_get(*, user: Any, id: int) -> Appeal:
    """One of the worker's own grid events; anybody else's is NotFound."""
    _require_grid_reporter(user)
    appeal = appeal_related(Appeal.objects.filter(channel="grid", created_by_id=user.pk, pk=id)).first()
    if appeal is None:
        raise NotFound("网格事件不存在或不是您上报的")
    return appeal


def grid_choices(*, user: Any, limit: int = 500) -> list[Any]:
    """Grids a worker may report in: those of the town of their own grid, else the city's."""
    worker = getattr(user, "grid_worker", None) if user is not None else None
    if worker is not None and worker.grid_id:
        village_path = worker.grid.division.path
        under = village_path[: village_path.rstrip("/").rfind("/") + 1]  # the town's path
    else:
        under = settings.SHUZHENG_APPEAL_CITY_DIVISION
    return list(orgs_selectors.active_grids_under(under, limit=limit))
