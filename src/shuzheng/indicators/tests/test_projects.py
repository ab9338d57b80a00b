"""The IT project register: the life cycle walks only the transition table's edges, audited; pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict
from shuzheng.identity.models import AuditEvent
from shuzheng.indicators.models import Milestone, Project
from shuzheng.indicators.services.projects import project_save, project_transition
from shuzheng.indicators.workflow import TRANSITIONS, ProjectAction, ProjectState
from shuzheng.orgs.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _project(code: str = "KP99") -> Project:
    return project_save(
        actor=SYSTEM,
        project=Project(
            code=code,
            name="测试项目",
            department=DepartmentFactory.create(),
            budget=Decimal(10),
            funding_source="fiscal",
        ),
        created=True,
    )


def test_every_allowed_edge_moves_the_project_and_writes_history_and_audit():
    for (state, action), target in TRANSITIONS.edges.items():
        project = _project(f"P-{state}-{action}")
        Project.objects.filter(pk=project.pk).update(state=state)
        moved = project_transition(actor=SYSTEM, project=project, action=action)
        assert moved.state == target
        assert moved.history.get().to_state == target
    assert AuditEvent.objects.filter(action__startswith="indicators.project.").count() >= len(
        TRANSITIONS.edges
    )


def test_forbidden_steps_are_refused_in_chinese_and_change_nothing():
    project = _project()
    with pytest.raises(Conflict, match="不能执行该操作"):
        project_transition(actor=SYSTEM, project=project, action=ProjectAction.ACCEPT_FINAL)
    Project.objects.filter(pk=project.pk).update(state=ProjectState.OPERATION)
    with pytest.raises(Conflict):
        project_transition(actor=SYSTEM, project=project, action=ProjectAction.TERMINATE)
    project.refresh_from_db()
    assert project.state == ProjectState.OPERATION
    assert not project.history.exists()


def test_project_pages_flag_overdue_milestones_and_step_through_the_form(keeper):
    project = _project()
    Milestone.objects.create(
        project=project, name="逾期里程碑", planned_on=timezone.localdate() - timedelta(days=1)
    )
    Milestone.objects.create(
        project=project, name="已完成", planned_on=date(2020, 1, 1), actual_on=date(2020, 1, 2)
    )
    assert "已逾期" in keeper.get(f"/workbench/indicators/projects/{project.code}/").content.decode()
    response = keeper.post(
        f"/workbench/indicators/projects/{project.code}/step/", {"action": "approve", "note": "批复"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == ProjectState.APPROVED
    bad = keeper.post(f"/workbench/indicators/projects/{project.code}/step/", {"action": "evaluate"})
    assert bad.status_code == 422
    project.refresh_from_db()
    assert project.state == ProjectState.APPROVED


def test_viewers_without_the_project_permission_cannot_step(leader):
    project = _project()
    response = leader.post(f"/workbench/indicators/projects/{project.code}/step/", {"action": "approve"})
    assert response.status_code in (400, 403)
    project.refresh_from_db()
    assert project.state == ProjectState.RESERVE


def test_project_particulars_are_edited_with_audit_but_not_the_state(keeper):
    project = _project()
    response = keeper.post(
        f"/workbench/indicators/projects/{project.code}/edit/",
        {
            "code": project.code,
            "name": "改名后的项目",
            "department": project.department_id,
            "budget": "12.50",
            "funding_source": "bond",
            "plan_task": "",
            "key_project_number": "",
            "documents": "",
            "state": "evaluated",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.budget, project.state) == (
        "改名后的项目",
        Decimal("12.50"),
        ProjectState.RESERVE,
    )
    assert AuditEvent.objects.filter(action="indicators.project.update").exists()
