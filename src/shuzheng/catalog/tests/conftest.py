"""catalog test fixtures: the identity test organisation, editors scoped to a bureau, valid item fields."""

from __future__ import annotations

import copy
from typing import Any, cast

import pytest
from django.test import Client

from shuzheng.catalog.constants import EDIT_PERM, PUBLISH_PERM, VIEW_PERM
from shuzheng.catalog.models import GuideGroup, ServiceItemVersion
from shuzheng.catalog.services import guide_groups, versions
from shuzheng.catalog.services.cleaning import VersionFields
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.tests.conftest import Org, grant, org, staff  # noqa: F401 - fixtures
from shuzheng.orgs.models import Department

FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["applicant_name", "phone", "reason"],
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "minLength": 2, "maxLength": 64},
        "phone": {"type": "string", "title": "联系电话", "pattern": "^1[3-9]\\d{9}$"},
        "reason": {"type": "string", "title": "事由", "maxLength": 500},
    },
    "additionalProperties": False,
}


def fields(department: Department | str, **overrides: Any) -> VersionFields:
    """Valid fields of a publishable version; overrides may be invalid on purpose (tests of the cleaning)."""
    data: dict[str, Any] = {
        "name": "食品经营许可",
        "item_type": "licensing",
        "department": department,
        "level": "city",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "conditions": "申请人应当具有与经营的食品品种、数量相适应的经营场所。",
        "applicant_types": ["enterprise", "person"],
        "statutory_limit_days": 20,
        "promised_limit_days": 5,
        "onsite_visits": 0,
        "handling_modes": ["online", "one_visit"],
        "channels": ["portal", "window"],
        "exemptions": ["no_copies", "no_seal", "no_form", "no_signature"],
        "high_frequency": True,
        "form_schema": copy.deepcopy(FORM),
        "keywords": "食品 餐饮 小卖部",
        "materials": [
            {"code": "M01", "name": "食品经营许可申请书", "form": "original"},
            {
                "code": "M02",
                "name": "营业执照",
                "issued_by_government": True,
                "licence_type": "营业执照",
                "form": "copy",
            },
        ],
        "steps": [
            {"name": "受理", "role_code": "case_acceptor", "time_limit_days": 1},
            {"name": "审查", "role_code": "case_reviewer", "time_limit_days": 3},
            {"name": "决定", "role_code": "case_approver", "time_limit_days": 1},
        ],
    }
    data.update(overrides)
    return cast(VersionFields, data)


def make_live(code: str, department: Department, **overrides: Any) -> ServiceItemVersion:
    draft = versions.item_create(actor=SYSTEM, code=code, fields=fields(department, **overrides))
    return versions.version_publish(actor=SYSTEM, version=draft)


def editor(tree: Org, *, publish: bool = True, department: Department | None = None) -> User:
    """A staff member of the bureau who may edit (and publish) items of the bureau and its units."""
    user = staff(department or tree.bureau)
    perms = [VIEW_PERM, EDIT_PERM] + ([PUBLISH_PERM] if publish else [])
    grant(user, perms, DataScopeKind.DEPARTMENT_TREE)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def groups(db: Any) -> list[GuideGroup]:
    return [
        guide_groups.guide_group_save(
            actor=SYSTEM, code="kaiban", name="开办企业", kind="topic", audience="enterprise"
        ),
        guide_groups.guide_group_save(
            actor=SYSTEM, code="birth", name="出生", kind="life_event", audience="person"
        ),
    ]
