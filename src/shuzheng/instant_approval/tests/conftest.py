"""秒批 fixtures: the cases world (an item version with a two-step workflow, clerks, a citizen), a person
registry in the data hub holding the citizen (born 80+ years ago) with a sharing grant to the item's
department, rule editors and a reviewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from shuzheng.cases.models import Case
from shuzheng.cases.tests.conftest import World, world  # noqa: F401 - world is a fixture
from shuzheng.core.actors import SYSTEM
from shuzheng.datahub.models import CatalogEntry
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import mounts as mount_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.services import sharing as sharing_services
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.tests.conftest import grant, org, staff  # noqa: F401 - org is a fixture
from shuzheng.instant_approval.models import RuleSet
from shuzheng.instant_approval.services import rule_sets

PERSON_ITEMS: list[dict[str, Any]] = [
    {"name": "id_number", "label": "公民身份号码", "required": True, "is_key": True, "is_personal": True,
     "sensitivity": "L4", "masking": "id_number", "max_length": 18},
    {"name": "full_name", "label": "姓名", "is_personal": True, "sensitivity": "L3", "masking": "name"},
    {"name": "gender", "label": "性别", "max_length": 2},
    {"name": "birth_date", "label": "出生日期", "data_type": "date"},
]  # fmt: skip
EDIT = ["instant_approval.view_ruleset", "instant_approval.change_ruleset", "catalog.view_serviceitemversion"]
REVIEW = [
    "instant_approval.view_automaticdecision",
    "instant_approval.review_automaticdecision",
    "cases.view_case",
    "cases.decide_case",
]
AGE_80 = {"code": "age", "label": "年满80周岁", "logic": {">=": [{"var": "registry.person.age"}, 80]}}
REASON = {"code": "reason", "label": "填写了申请事由", "logic": {"!!": {"var": "form.reason"}}}


@dataclass
class Setup:
    world: World
    registry: CatalogEntry
    editor: User
    reviewer: User

    def rules(self, conditions: list[dict[str, Any]] | None = None, *, activate: bool = True) -> RuleSet:
        rule_set = rule_sets.rule_set_save(
            actor=self.editor,
            version=self.world.version,
            conditions=conditions if conditions is not None else [AGE_80, REASON],
            reasons="申请人符合高龄津贴发放条件",
            legal_basis="《广东省老年人权益保障条例》",
            registries={"person": self.registry.code},
        )
        return rule_sets.rule_set_activate(actor=self.editor, rule_set=rule_set) if activate else rule_set

    def submit(self, **overrides: Any) -> Case:
        case = self.world.submit(**overrides)
        case.refresh_from_db()
        return case


def years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=1)


@pytest.fixture
def setup(world: World) -> Setup:  # noqa: F811 - world is the fixture imported above
    units = world.org
    entry = catalog_services.entry_create(
        actor=SYSTEM,
        department=units.other_bureau,
        metadata=catalog_services.EntryMetadata(
            name="人口基础信息库（测试）", class_code="A00", abstract="测试", sharing_type="conditional",
            sharing_conditions="依法履职", openness="closed",
        ),
        items=PERSON_ITEMS,
    )  # fmt: skip
    catalog_services.entry_transition(actor=SYSTEM, entry=entry, action="submit")
    catalog_services.entry_transition(actor=SYSTEM, entry=entry, action="approve")
    mount_services.entry_mount_table(actor=SYSTEM, entry=entry)
    row_services.rows_insert(
        actor=SYSTEM,
        entry=entry,
        rows=[
            {"id_number": world.citizen.id_number, "full_name": "张三", "gender": "男",
             "birth_date": years_ago(81)},
        ],
    )  # fmt: skip
    today = timezone.localdate()
    request = sharing_services.sharing_request_create(
        actor=SYSTEM,
        entry=entry,
        requester_department=units.bureau,
        purpose="秒批核验",
        legal_basis="法定职责",
        fields=["id_number", "full_name", "gender", "birth_date"],
        period_start=today,
        period_end=today + timedelta(days=90),
    )
    sharing_services.sharing_request_approve(actor=SYSTEM, request=request)
    entry.refresh_from_db()
    editor = staff(units.bureau, full_name="规则编辑")
    grant(editor, EDIT, DataScopeKind.DEPARTMENT)
    reviewer = staff(units.bureau, full_name="复核员")
    grant(reviewer, REVIEW, DataScopeKind.DEPARTMENT)
    return Setup(world=world, registry=entry, editor=editor, reviewer=reviewer)


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the on-commit callbacks (the 秒批 trigger) of what the test submits."""
    return django_capture_on_commit_callbacks
