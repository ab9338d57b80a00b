"""Bundles fixtures: three items of two bureaus (one waits for another), a clerk who may act on every case,
a citizen, and a bundle published over the items."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from shuzheng.bundles.models import BundleVersion
from shuzheng.bundles.services import versions as version_services
from shuzheng.cases.services.actions import case_act
from shuzheng.cases.tests.conftest import citizen_id, upload
from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.catalog.tests.factories import (
    MaterialRequirementFactory,
    ServiceItemVersionFactory,
    WorkflowStepFactory,
)
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.models import User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import Org, grant, org, staff  # noqa: F401 - org is a fixture

_keys = itertools.count(1)
REFUSAL_BASIS = "《中华人民共和国行政许可法》第三十八条"

PERSON_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["applicant_name", "id_number", "phone"],
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "x-applicant": "name"},
        "id_number": {
            "type": "string",
            "title": "公民身份号码",
            "format": "id-number",
            "x-applicant": "id_number",
        },
        "phone": {"type": "string", "title": "联系电话", "format": "mobile"},
        "reason": {"type": "string", "title": "申请事由", "maxLength": 200},
    },
    "additionalProperties": False,
}
SCOPE_FORM: dict[str, Any] = {
    **PERSON_FORM,
    "required": [*PERSON_FORM["required"], "business_scope"],
    "properties": {**PERSON_FORM["properties"], "business_scope": {"type": "string", "title": "经营范围"}},
}
SHARED: list[dict[str, Any]] = [
    {
        "name": "phone",
        "schema": {"type": "string", "title": "联系电话", "format": "mobile"},
        "required": True,
    },
    {"name": "reason", "schema": {"type": "string", "title": "申请事由"}},
]


def new_key() -> str:
    return f"b-{next(_keys)}"


def _item(department: Any, name: str, form: dict[str, Any]) -> ServiceItemVersion:
    version = ServiceItemVersionFactory.create(
        item__department=department, name=name, form_schema=form, applicant_types=["person"]
    )
    MaterialRequirementFactory.create(
        version=version,
        code="M01",
        name="居民身份证",
        position=1,
        issued_by_government=True,
        licence_type="居民身份证",
    )
    MaterialRequirementFactory.create(version=version, code="M02", name="经营场所证明", position=2)
    WorkflowStepFactory.create(version=version, position=1, name="审查", role_code="case_reviewer")
    WorkflowStepFactory.create(version=version, position=2, name="审批", role_code="case_approver")
    return version


@dataclass
class Bench:
    org: Org
    first: ServiceItemVersion  # 个体户设立 (bureau)
    second: ServiceItemVersion  # 卫生许可 (other bureau), asks its own business scope
    third: ServiceItemVersion  # 税务报到, waits for the first
    clerk: User
    citizen: User
    bundle: BundleVersion

    def members(self) -> list[dict[str, Any]]:
        mapping = {"phone": "phone", "reason": "reason"}
        return [
            {"item_code": self.first.code, "mapping": mapping, "own_fields": []},
            {"item_code": self.second.code, "mapping": mapping, "own_fields": ["business_scope"]},
            {"item_code": self.third.code, "mapping": mapping, "own_fields": [], "waits_for": 1},
        ]

    def materials(self, actor: User | None = None) -> list[dict[str, Any]]:
        return [{"key": "name:经营场所证明", "upload_id": upload(actor or self.citizen).pk}]

    def apply(self, **overrides: Any) -> Any:
        from shuzheng.bundles.services.applications import bundle_apply

        data: dict[str, Any] = {
            "actor": self.citizen,
            "code": self.bundle.code,
            "shared": {"phone": "13707500001", "reason": "开办小店"},
            "own": {self.second.code: {"business_scope": "日用百货零售"}},
            "idempotency_key": new_key(),
        }
        data.update(overrides)
        if "materials" not in data:
            data["materials"] = self.materials(data["actor"])
        return bundle_apply(**data)

    def act(self, case_id: int, action: str, **data: Any) -> Any:
        from shuzheng.cases.selectors import case_get

        case = case_get(user=self.clerk, case_id=case_id)
        actor = self.citizen if action in ("withdraw", "respond_correction") else self.clerk
        return case_act(actor=actor, case=case_id, action=action, expected_version=case.lock_version, **data)

    def conclude(self, case_id: int, *, refuse: bool = False) -> None:
        for action in ("accept", "start_review", "complete_step"):
            self.act(case_id, action)
        if refuse:
            self.act(case_id, "refuse", reasons="不符合条件", legal_basis=REFUSAL_BASIS)
        else:
            self.act(case_id, "approve", reasons="符合条件")
        self.act(case_id, "deliver", method="electronic")
        self.act(case_id, "conclude")


@pytest.fixture
def bench(org: Org) -> Bench:  # noqa: F811 - org is the fixture imported above
    first = _item(org.bureau, "个体工商户设立登记（测试）", PERSON_FORM)
    second = _item(org.other_bureau, "公共场所卫生许可（测试）", SCOPE_FORM)
    third = _item(org.other_bureau, "新办纳税人报到（测试）", PERSON_FORM)
    clerk = staff(org.bureau, full_name="综合窗口")
    grant(
        clerk,
        ["cases.view_case", "cases.accept_case", "cases.deliver_case", "cases.intake_case"],
        DataScopeKind.ALL,
        code="case_acceptor",
    )
    grant(clerk, ["cases.view_case", "cases.review_case"], DataScopeKind.ALL, code="case_reviewer")
    grant(clerk, ["cases.view_case", "cases.decide_case"], DataScopeKind.ALL, code="case_approver")
    citizen = account_services.citizen_create(
        actor=SYSTEM, username="zhangsan", full_name="张三", id_number=citizen_id(0), mobile="13707500001"
    )
    bench = Bench(org, first, second, third, clerk, citizen, bundle=None)  # type: ignore[arg-type]
    draft = version_services.bundle_create(
        actor=SYSTEM,
        code="getihu-kaiye",
        fields={
            "name": "个体户开业一件事",
            "audience": "person",
            "theme": "start",
            "lead_department": org.bureau,
            "shared_fields": SHARED,
            "members": bench.members(),
            "keywords": "开店 个体户",
        },
    )
    # A person's bundle on an enterprise stage is refused; this one is filed under 就业.
    version_services.version_update(actor=SYSTEM, version=draft, fields={"theme": "work"})
    bench.bundle = version_services.version_publish(actor=SYSTEM, version=draft)
    return bench
