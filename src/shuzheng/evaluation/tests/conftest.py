"""Fixtures of the 好差评 tests: two bureaus, a hall with windows, a citizen with concluded cases, and staff
holding the evaluation roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache

from shuzheng.cases.constants import CaseChannel, CaseStatus
from shuzheng.cases.models import Case
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.catalog.tests.factories import ServiceItemVersionFactory
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import CitizenFactory
from shuzheng.orgs.models import Department, Division, Hall, Window
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

VIEW = "evaluation.view_evaluation"
HANDLER_PERMS = [
    VIEW,
    "evaluation.view_rectification",
    "evaluation.change_rectification",
    "evaluation.view_evaluationappeal",
    "evaluation.add_evaluationappeal",
]
SUPERVISOR_PERMS = [
    VIEW,
    "evaluation.view_rectification",
    "evaluation.check_rectification",
    "evaluation.view_evaluationappeal",
    "evaluation.review_evaluationappeal",
]
CLERK_PERMS = ["evaluation.add_evaluation"]


_CITIZEN: Any = object()


@dataclass
class World:
    city: Division
    bureau: Department  # 测试局: the evaluated department
    other_bureau: Department
    supervising: Department  # 政数局: checks rectifications, reviews disputes
    hall: Hall
    comprehensive_window: Window
    bureau_window: Window
    citizen: User
    other_citizen: User
    handler: User  # bureau, rectification handler and dispute filer
    other_handler: User  # other bureau
    supervisor: User  # scope: all
    clerk: User  # window clerk, division tree of the city
    version: Any

    def case(self, *, status: str = CaseStatus.CONCLUDED, applicant: Any = _CITIZEN, **extra: Any) -> Case:
        values: dict[str, Any] = {
            "status": status,
            "version": self.version,
            "applicant": self.citizen if applicant is _CITIZEN else applicant,
            "channel": CaseChannel.WINDOW,
            "hall": self.hall,
            "window": self.bureau_window,
            "applicant_mobile": "13707501234",
        }
        values.update(extra)
        return CaseFactory.create(**values)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def world(db: Any) -> World:
    city = DivisionFactory.create(code="440785", name="恩平市", level=Division.Level.CITY, path="/440785/")
    supervising = DepartmentFactory.create(
        code="A001", name="恩平市政务服务数据管理局", division=city, path="/A001/"
    )
    bureau = DepartmentFactory.create(code="T001", name="测试局", division=city, path="/T001/")
    other_bureau = DepartmentFactory.create(code="T002", name="另一局", division=city, path="/T002/")
    hall = Hall.objects.create(
        code="H440785", name="恩平市政务服务中心", level=Hall.Level.CITY, division=city
    )
    comprehensive = Window.objects.create(hall=hall, number="01", name="综合受理窗口")
    bureau_window = Window.objects.create(
        hall=hall, number="12", name="测试窗口", kind=Window.Kind.SPECIALISED, department=bureau
    )
    citizen = CitizenFactory.create(username="citizen1", full_name="陈建明", mobile="13707500001")
    other_citizen = CitizenFactory.create(username="citizen2", full_name="李秀珍")
    handler = staff(bureau, username="handler", full_name="黄志华")
    grant(handler, HANDLER_PERMS, DataScopeKind.DEPARTMENT)
    other_handler = staff(other_bureau, username="other_handler", full_name="吴伟强")
    grant(other_handler, HANDLER_PERMS, DataScopeKind.DEPARTMENT)
    supervisor = staff(supervising, username="supervisor", full_name="岑惠玲")
    grant(supervisor, SUPERVISOR_PERMS, DataScopeKind.ALL)
    clerk = staff(supervising, username="clerk", full_name="郑嘉欣")
    grant(clerk, CLERK_PERMS, DataScopeKind.DIVISION_TREE, division=city)
    version = ServiceItemVersionFactory.create(item__department=bureau, name="食品经营许可")
    return World(
        city=city,
        bureau=bureau,
        other_bureau=other_bureau,
        supervising=supervising,
        hall=hall,
        comprehensive_window=comprehensive,
        bureau_window=bureau_window,
        citizen=citizen,
        other_citizen=other_citizen,
        handler=handler,
        other_handler=other_handler,
        supervisor=supervisor,
        clerk=clerk,
        version=version,
    )
