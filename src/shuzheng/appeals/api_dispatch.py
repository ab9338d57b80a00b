"""/api/v1/appeals/dispatch-preview: what dispatch would do with a text (for the intake page and other
systems). Reads only; the same permission as the rule test page. Mounted on the appeals router."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from shuzheng.appeals.schemas import DispatchPreviewIn, DispatchPreviewOut
from shuzheng.appeals.selectors import dispatch as dispatch_selectors

router = Router()


@router.post("/dispatch-preview", response=DispatchPreviewOut, summary="派单预览：会派往哪个部门、是否自动")
def dispatch_preview(request: HttpRequest, payload: DispatchPreviewIn) -> dict[str, Any]:
    """Empty, too short, too long or mostly non-Chinese texts get a manual-queue answer with the reason,
    never an automatic dispatch."""
    if not request.user.has_perm("appeals.view_routingrule") and not request.user.has_perm(
        "appeals.dispatch_appeal"
    ):
        raise PermissionDenied("没有查看派单规则的权限")
    return dispatch_selectors.dispatch_preview(text=payload.text, town=payload.town)
