"""Appeals test fixtures: a small Enping (city, two towns, villages), departments with a sub-unit,
categories, a dispatch catalogue and staff in every appeals role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shuzheng.appeals.models import Category
from shuzheng.appeals.tests.factories import CategoryFactory, DispatchCatalogueEntryFactory
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.tests.factories import CitizenFactory, RoleAssignmentFactory, RoleFactory, UserFactory
from shuzheng.orgs.models import Department, Division, Grid
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

VIEW = ["appeals.view_appeal", "appeals.view_workorder", "appeals.view_knowledgearticle"]
ROLE_PERMS = {
    "hotline_agent": [*VIEW, "appeals.intake_appeal"],
    "dispatcher": [
        *VIEW,
        "appeals.dispatch_appeal",
        "appeals.visit_workorder",
        "appeals.supervise_workorder",
        "appeals.view_appeal_stats",
        "appeals.intake_appeal",
    ],
    "department_handler": [*VIEW, "appeals.handle_workorder"],
    "grid_worker": ["appeals.view_appeal", "appeals.report_grid_event"],
    "kb_editor": [
        "appeals.view_knowledgearticle",
        "appeals.add_knowledgearticle",
        "appeals.change_knowledgearticle",
    ],
    "kb_reviewer": [
        "appeals.view_knowledgearticle",
        "appeals.review_knowledgearticle",
        "appeals.change_knowledgearticle",
    ],
}


@dataclass
class World:
    city: Division
    town: Division  # 沙湖镇
    village: Division
    village2: Division
    other_town: Division
    outside: Division  # 台山市 (not in the city)
    grid: Grid
    centre: Department
    cgj: Department  # 城管执法局
    cgj_unit: Department  # its sub-unit
    rsj: Department  # 人社局
    town_gov: Department
    roads: Category
    garbage: Category
    wages: Category
    consult: Category
    agent: User
    dispatcher: User
    cgj_handler: User
    cgj_unit_handler: User
    rsj_handler: User
    grid_worker: User
    editor: User
    reviewer: User
    citizen: User


def _division(code: str, name: str, level: str, parent: Division | None) -> Division:
    return DivisionFactory.create(
        code=code, name=name, level=level, parent=parent, path=f"{parent.path if parent else '/'}{code}/"
    )


def _department(code: str, name: str, division: Division, parent: Department | None = None) -> Department:
    return DepartmentFactory.create(
        code=code,
        name=name,
        division=division,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
    )


def staff_with_role(username: str, department: Department, role: str, scope: str, **kwargs: Any) -> User:
    user = UserFactory.create(username=username, department=department)
    RoleAssignmentFactory.create(
        user=user,
        role=RoleFactory.create(code=f"{role}-{username}", perms=ROLE_PERMS[role]),
        scope=scope,
        department=department,
        **kwargs,
    )
    return user


@pytest.fixture
def world(db: Any) -> World:
    province = _division("440000", "广东省", Division.Level.PROVINCE, None)
    prefecture = _division("440700", "江门市", Division.Level.PREFECTURE, province)
    city = _division("440785", "恩平市", Division.Level.CITY, prefecture)
    outside = _division("440781", "台山市", Division.Level.CITY, prefecture)
    town = _division("440785103", "沙湖镇", Division.Level.TOWN, city)
    other_town = _division("440785104", "牛江镇", Division.Level.TOWN, city)
    village = _division("440785103201", "沙湖镇第1村", Division.Level.VILLAGE, town)
    village2 = _division("440785103202", "沙湖镇第2村", Division.Level.VILLAGE, town)
    grid = Grid.objects.create(code="440785103201-01", name="第1网格", division=village)
    centre = _department("EP001-01", "12345热线分中心", city)
    cgj = _department("EP022", "城管执法局", city)
    cgj_unit = _department("EP022-01", "城管执法局一中队", city, cgj)
    rsj = _department("EP008", "人社局", city)
    town_gov = _department("EP440785103", "沙湖镇人民政府", town)
    city_services = CategoryFactory.create(code="CR", name="市容环卫")
    garbage = CategoryFactory.create(code="CR01", name="垃圾清运", parent=city_services, keywords="垃圾,清运")
    roads = CategoryFactory.create(
        code="DL01",
        name="道路破损",
        parent=CategoryFactory.create(code="DL", name="道路交通"),
        keywords="路面,坑洼",
    )
    wages = CategoryFactory.create(
        code="LD01",
        name="拖欠工资",
        parent=CategoryFactory.create(code="LD", name="劳动保障"),
        keywords="欠薪,工资",
    )
    consult = CategoryFactory.create(
        code="ZW01",
        name="政务服务办事",
        parent=CategoryFactory.create(code="ZW", name="政务服务"),
        keywords="办事",
    )
    DispatchCatalogueEntryFactory.create(category=garbage, division=city, department=cgj)
    DispatchCatalogueEntryFactory.create(category=garbage, division=town, department=town_gov)
    return World(
        city=city,
        town=town,
        village=village,
        village2=village2,
        other_town=other_town,
        outside=outside,
        grid=grid,
        centre=centre,
        cgj=cgj,
        cgj_unit=cgj_unit,
        rsj=rsj,
        town_gov=town_gov,
        roads=roads,
        garbage=garbage,
        wages=wages,
        consult=consult,
        agent=staff_with_role("agent", centre, "hotline_agent", DataScopeKind.ALL),
        dispatcher=staff_with_role("dispatcher", centre, "dispatcher", DataScopeKind.ALL),
        cgj_handler=staff_with_role("cgj_handler", cgj, "department_handler", DataScopeKind.DEPARTMENT_TREE),
        cgj_unit_handler=staff_with_role(
            "unit_handler", cgj_unit, "department_handler", DataScopeKind.DEPARTMENT_TREE
        ),
        rsj_handler=staff_with_role("rsj_handler", rsj, "department_handler", DataScopeKind.DEPARTMENT_TREE),
        grid_worker=staff_with_role("grid_worker", town_gov, "grid_worker", DataScopeKind.SELF),
        editor=staff_with_role("editor", centre, "kb_editor", DataScopeKind.DEPARTMENT),
        reviewer=staff_with_role("reviewer", centre, "kb_reviewer", DataScopeKind.DEPARTMENT),
        citizen=CitizenFactory.create(username="citizen"),
    )


def intake(world: World, **overrides: Any) -> Any:
    """An appeal registered by the hotline agent; `overrides` are intake fields, or actor, reporter_user,
    auto_dispatch and received_at."""
    from shuzheng.appeals.services.intake import IntakeInput, appeal_intake

    actor = overrides.pop("actor", world.agent)
    extra = {k: overrides.pop(k) for k in ("reporter_user", "auto_dispatch", "received_at") if k in overrides}
    data: dict[str, Any] = {
        "channel": "hotline",
        "appeal_type": "complaint",
        "text": "沙湖镇市场旁边的垃圾桶已经一个星期没人清运，气味很臭",
        "division_code": world.village.code,
        "category_code": None,
        "reporter_name": "陈建明",
        "reporter_phone": "13707500001",
    }
    data.update(overrides)
    return appeal_intake(actor=actor, data=IntakeInput(**data), **extra)
