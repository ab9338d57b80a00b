"""Fixtures of the licences tests: a bureau with a USCC, a seal administrator and an issuing clerk over it,
a citizen with an ID number, a licence type the bureau issues, and a valid seal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.core.cache import cache

from shuzheng.core.validators import generate_id_number, generate_uscc
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import CitizenFactory
from shuzheng.licences.constants import (
    ISSUE_LICENCES,
    MANAGE_SEALS,
    REVOKE_LICENCES,
    VIEW_LICENCES,
    VIEW_SEALS,
)
from shuzheng.licences.models import LicenceType, Seal
from shuzheng.licences.services import seals
from shuzheng.licences.tests.factories import LicenceTypeFactory
from shuzheng.orgs.models import Department
from shuzheng.orgs.tests.factories import DepartmentFactory


@dataclass
class World:
    bureau: Department
    other_bureau: Department
    seal_admin: User
    issuer: User
    other_issuer: User
    citizen: User
    other_citizen: User
    licence_type: LicenceType

    def seal(self, department: Department | None = None) -> Seal:
        return seals.seal_issue(actor=self.seal_admin, department=department or self.bureau)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def world(db: None) -> World:
    bureau = DepartmentFactory.create(
        code="EP020",
        name="恩平市市场监督管理局",
        short_name="市场监管局",
        uscc=generate_uscc("440785", 20, authority="1", entity_type="1"),
    )
    other = DepartmentFactory.create(code="EP099", name="恩平市测试局", short_name="测试局")
    seal_admin = staff(bureau, username="seal_admin")
    grant(seal_admin, [MANAGE_SEALS, VIEW_SEALS], DataScopeKind.DEPARTMENT_TREE, department=bureau)
    issuer = staff(bureau, username="issuer")
    grant(issuer, [ISSUE_LICENCES, REVOKE_LICENCES, VIEW_LICENCES], DataScopeKind.DEPARTMENT)
    other_issuer = staff(other, username="other_issuer")
    grant(other_issuer, [ISSUE_LICENCES, REVOKE_LICENCES, VIEW_LICENCES], DataScopeKind.DEPARTMENT)
    citizen = CitizenFactory.create(
        username="citizen",
        full_name="陈建明",
        id_number=generate_id_number("440785", date(1985, 3, 2), 1, False),
    )
    other_citizen = CitizenFactory.create(
        username="other_citizen",
        full_name="李秀珍",
        id_number=generate_id_number("440785", date(1990, 5, 6), 2, True),
    )
    licence_type = LicenceTypeFactory.create(name="食品经营许可证", department=bureau)
    return World(bureau, other, seal_admin, issuer, other_issuer, citizen, other_citizen, licence_type)
