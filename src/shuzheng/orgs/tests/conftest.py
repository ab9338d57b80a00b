"""orgs test fixtures: a small Enping tree built through the services, users with and without perms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.identity.models import AuditEvent, DataScopeKind, User
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory
from shuzheng.orgs.models import Department, Division
from shuzheng.orgs.services import departments, divisions


@dataclass
class Tree:
    province: Division
    prefecture: Division
    city: Division
    town: Division  # 沙湖镇
    other_town: Division  # 牛江镇
    village: Division  # 沙湖镇第1村
    village2: Division  # 沙湖镇第2村
    bureau: Department  # 市政数局
    unit: Department  # under the bureau
    subunit: Department  # under the unit
    other: Department  # 市公安局


@pytest.fixture
def tree(db: Any) -> Tree:
    province = divisions.division_create(actor=SYSTEM, code="440000", name="广东省", level="province")
    prefecture = divisions.division_create(
        actor=SYSTEM, code="440700", name="江门市", level="prefecture", parent=province
    )
    city = divisions.division_create(
        actor=SYSTEM, code="440785", name="恩平市", level="city", parent=prefecture
    )
    town = divisions.division_create(actor=SYSTEM, code="440785103", name="沙湖镇", level="town", parent=city)
    other_town = divisions.division_create(
        actor=SYSTEM, code="440785104", name="牛江镇", level="town", parent=city
    )
    village = divisions.division_create(
        actor=SYSTEM, code="440785103201", name="沙湖镇第1村", level="village", parent=town
    )
    village2 = divisions.division_create(
        actor=SYSTEM, code="440785103202", name="沙湖镇第2村", level="village", parent=town
    )
    bureau = departments.department_create(
        actor=SYSTEM,
        code="EP001",
        name="恩平市政务服务数据管理局",
        short_name="政数局",
        division=city,
        serves=[city],
    )
    unit = departments.department_create(
        actor=SYSTEM, code="EP001-01", name="恩平市政务服务中心管理科", division=city, parent=bureau
    )
    subunit = departments.department_create(
        actor=SYSTEM, code="EP001-01-01", name="综合窗口组", division=city, parent=unit
    )
    other = departments.department_create(actor=SYSTEM, code="EP004", name="恩平市公安局", division=city)
    return Tree(province, prefecture, city, town, other_town, village, village2, bureau, unit, subunit, other)


def grant(user: User, perms: list[str]) -> User:
    role = RoleFactory.create(perms=perms)
    RoleAssignmentFactory.create(user=user, role=role, scope=DataScopeKind.ALL, department=None)
    return User.objects.get(pk=user.pk)  # fresh object: no cached permissions


@pytest.fixture
def staff(db: Any) -> User:
    """A logged-in-able staff member with no orgs permissions."""
    return UserFactory.create(department=None)


@pytest.fixture
def admin_user(db: Any) -> User:
    return User.objects.create_superuser("orgsadmin", password="Shuzheng#2026admin", full_name="管理员")


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def audit_actions(**filters: Any) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).order_by("seq").values_list("action", flat=True))
