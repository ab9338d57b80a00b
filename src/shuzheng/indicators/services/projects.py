"""Writes of the IT project register: a project, its life-cycle steps (only those the transition table
allows), milestones and systems — each audited in its transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.forms.models import model_to_dict
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.errors import Conflict, PermissionDenied
from shuzheng.identity.actors import Actor, is_user
from shuzheng.identity.scopes import data_scope_for
from shuzheng.indicators.constants import PROJECT_PERM
from shuzheng.indicators.models import Milestone, Project, ProjectStateChange, ProjectSystem
from shuzheng.indicators.workflow import TRANSITIONS, ProjectAction, ProjectState


def _snapshot(obj: Model) -> dict[str, Any]:
    return {
        k: (
            v.isoformat()
            if isinstance(v, date)
            else str(v)
            if not isinstance(v, int | bool | str | None)
            else v
        )
        for k, v in model_to_dict(obj).items()
    }


def require_project_perm(actor: Actor, department: Any = None) -> None:
    if not is_user(actor):
        return
    if not actor.has_perm(PROJECT_PERM):
        raise PermissionDenied("没有管理政务信息化项目的权限（indicators.manage_project）。")
    if department is not None and not data_scope_for(actor, PROJECT_PERM).covers_department(department):
        raise PermissionDenied(f"“{department.name}”的项目不在您的管理范围内。")


def _save(actor: Actor, obj: Model, *, created: bool, before: dict[str, Any] | None, department: Any) -> None:
    require_project_perm(actor, department)
    with transaction.atomic():
        obj.save()
        audit.record(
            actor=actor,
            action=f"indicators.{obj._meta.model_name}.{'create' if created else 'update'}",
            subject=obj,
            before=before,
            after=_snapshot(obj),
        )


def project_save(
    *, actor: Actor, project: Project, created: bool, before: dict[str, Any] | None = None
) -> Project:
    """Create or edit a project's particulars (its state changes only through ``project_transition``)."""
    if created:
        project.state = ProjectState.RESERVE
    _save(actor, project, created=created, before=before, department=project.department)
    return project


def project_transition(
    *, actor: Actor, project: Project, action: str, note: str = "", at: Any = None
) -> Project:
    """Move a project one step of its life cycle; a step the table does not allow is refused (409)."""
    require_project_perm(actor, project.department)
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        target = TRANSITIONS.target(locked.state, action)
        if target is None:
            allowed = (
                "、".join(ProjectAction(a).label for a in TRANSITIONS.actions_from(locked.state)) or "无"
            )
            raise Conflict(
                f"项目当前为“{ProjectState(locked.state).label}”，不能执行该操作（可执行：{allowed}）。",
                code="invalid_transition",
            )
        ProjectStateChange.objects.create(
            project=locked,
            from_state=locked.state,
            to_state=target,
            action=action,
            note=note[:200],
            actor=actor if is_user(actor) else None,
            at=at or timezone.now(),
        )
        before = locked.state
        locked.state = target
        locked.save(update_fields=["state", "updated_at"])
        audit.record(
            actor=actor,
            action=f"indicators.project.{action}",
            subject=locked,
            before={"state": before},
            after={"state": target, "note": note[:200]},
        )
    project.state = target
    return locked


def milestone_save(
    *, actor: Actor, milestone: Milestone, created: bool, before: dict[str, Any] | None = None
) -> Milestone:
    _save(actor, milestone, created=created, before=before, department=milestone.project.department)
    return milestone


def system_save(
    *, actor: Actor, system: ProjectSystem, created: bool, before: dict[str, Any] | None = None
) -> ProjectSystem:
    _save(actor, system, created=created, before=before, department=system.department)
    return system
