"""Versioning rules: drafts while live stays live, publish validation, immutability, scopes, audit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from shuzheng.catalog import rules, selectors
from shuzheng.catalog.constants import SEARCH_DOC_TYPE, VersionStatus
from shuzheng.catalog.models import ServiceItem, ServiceItemVersion
from shuzheng.catalog.services import versions
from shuzheng.catalog.tests.conftest import FORM, editor, fields, make_live
from shuzheng.core import fulltext
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.conftest import Org, staff

pytestmark = pytest.mark.django_db


def messages(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.value.errors}


def test_create_makes_an_item_with_a_first_draft(org: Org, groups: Any) -> None:
    draft = versions.item_create(
        actor=SYSTEM, code="ITEM-1", fields=fields(org.bureau.code, guide_groups=["kaiban", "出生"])
    )
    assert draft.status == VersionStatus.DRAFT
    assert draft.number == 1
    assert draft.item.code == "ITEM-1" == draft.code
    assert draft.item.live_version is None
    assert [m.code for m in draft.materials.all()] == ["M01", "M02"]
    assert [s.position for s in draft.steps.all()] == [1, 2, 3]
    assert sorted(g.code for g in draft.guide_groups.all()) == ["birth", "kaiban"]
    # lists are normalised to the choices' order
    assert draft.applicant_types == ["person", "enterprise"]
    assert AuditEvent.objects.filter(action="catalog.item.create").count() == 1


def test_create_reports_every_bad_field_in_chinese(org: Org) -> None:
    with pytest.raises(ValidationFailed) as exc:
        versions.item_create(
            actor=SYSTEM,
            code="ITEM-2",
            fields=fields(
                "NOPE",
                item_type="bogus",
                handling_modes=["online", "飞速办"],
                statutory_limit_days=-1,
                materials=[{"code": "A", "name": "x"}, {"code": "A", "name": ""}],
            ),
        )
    errors = messages(exc)
    assert errors["department"] == "部门编码“NOPE”不存在"
    assert "事项类型“bogus”无效" in errors["item_type"]
    assert "四办类型“飞速办”无效" in errors["handling_modes"]
    assert errors["statutory_limit_days"] == "法定办结时限应在 0 到 3650 之间"
    assert errors["materials[1].code"] == "材料编码“A”重复"
    assert errors["materials[1].name"] == "第2项材料的名称不能为空"
    assert not ServiceItem.objects.exists()


def test_duplicate_code_and_bad_code_are_refused(org: Org) -> None:
    versions.item_create(actor=SYSTEM, code="ITEM-3", fields=fields(org.bureau))
    with pytest.raises(Conflict):
        versions.item_create(actor=SYSTEM, code="ITEM-3", fields=fields(org.bureau))
    with pytest.raises(ValidationFailed) as exc:
        versions.item_create(actor=SYSTEM, code="有 空格", fields=fields(org.bureau))
    assert "实施编码" in exc.value.detail


def test_publish_makes_it_live_indexed_and_immutable(org: Org) -> None:
    live = make_live("ITEM-4", org.bureau)
    item = ServiceItem.objects.get(code="ITEM-4")
    assert item.live_version_id == live.pk
    assert live.status == VersionStatus.PUBLISHED
    assert live.valid_from == timezone.localdate()
    assert live.published_at is not None
    assert fulltext.search(SEARCH_DOC_TYPE, "食品经营") == ["ITEM-4"]
    with pytest.raises(Conflict) as exc:
        versions.version_update(actor=SYSTEM, version=live, fields={"name": "改名"})
    assert "已发布的版本不可修改" in exc.value.detail
    with pytest.raises(Conflict):
        versions.version_publish(actor=SYSTEM, version=live)
    with pytest.raises(Conflict):
        versions.version_discard(actor=SYSTEM, version=live)
    live.refresh_from_db()
    assert live.name == "食品经营许可"


def test_draft_from_live_keeps_live_until_published(org: Org) -> None:
    first = make_live("ITEM-5", org.bureau)
    draft = versions.version_draft_from(actor=SYSTEM, version=first)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    assert [m.name for m in draft.materials.all()] == [m.name for m in first.materials.all()]
    assert [s.role_code for s in draft.steps.all()] == ["case_acceptor", "case_reviewer", "case_approver"]
    with pytest.raises(Conflict) as exc:
        versions.version_draft_from(actor=SYSTEM, version=first)
    assert "已有一份草稿" in exc.value.detail

    versions.version_update(
        actor=SYSTEM,
        version=draft,
        fields={
            "name": "食品经营许可（新办）",
            "promised_limit_days": 3,
            "steps": [{"name": "受理审批", "role_code": "case_approver", "time_limit_days": 3}],
        },
    )
    # the public still sees the first version
    assert selectors.guide_get("ITEM-5").pk == first.pk
    assert selectors.version_for_application("ITEM-5").name == "食品经营许可"
    assert first.materials.count() == 2
    assert first.steps.count() == 3

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ServiceItemVersion.objects.filter(pk=first.pk).update(valid_from=yesterday - datetime.timedelta(days=9))
    published = versions.version_publish(actor=SYSTEM, version=draft)
    first.refresh_from_db()
    assert first.status == VersionStatus.RETIRED
    assert first.valid_to == yesterday
    assert published.valid_from == timezone.localdate()
    assert selectors.guide_get("ITEM-5").name == "食品经营许可（新办）"
    assert [s.name for s in selectors.version_for_application("ITEM-5").steps.all()] == ["受理审批"]
    assert ServiceItem.objects.get(code="ITEM-5").live_version_id == published.pk
    assert fulltext.search(SEARCH_DOC_TYPE, "新办") == ["ITEM-5"]


def test_publish_validation_is_complete_and_chinese(org: Org) -> None:
    draft = versions.item_create(
        actor=SYSTEM,
        code="ITEM-6",
        fields=fields(
            org.bureau,
            applicant_types=[],
            channels=[],
            promised_limit_days=30,
            form_schema={"type": "array", "items": {"type": "nonsense"}},
            steps=[{"name": "审查", "role_code": "", "time_limit_days": 40}],
        ),
    )
    with pytest.raises(ValidationFailed) as exc:
        versions.version_publish(actor=SYSTEM, version=draft)
    errors = messages(exc)
    assert exc.value.code == "publish_invalid"
    assert errors["applicant_types"] == "请至少选择一类服务对象（自然人或法人）"
    assert errors["channels"] == "请至少选择一个可申请渠道"
    assert errors["promised_limit_days"] == "承诺办结时限（30个工作日）不能超过法定办结时限（20个工作日）"
    assert errors["form_schema"].startswith("申请表 JSON Schema 无效（位置：items/type）")
    assert errors["steps[0].role_code"] == "第1个环节“审查”未指定办理角色"
    assert errors["steps"] == "各环节时限之和（40个工作日）超过承诺办结时限（30个工作日）"
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert not fulltext.search(SEARCH_DOC_TYPE, "食品")


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({}, "申请表 JSON Schema 不能为空"),
        ({"type": "string"}, "申请表 JSON Schema 的 type 必须为 object"),
        ({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}, "只支持 JSON Schema"),
        (
            {"type": "object", "required": ["x"], "properties": {}},
            "required 中的字段“x”未在 properties 中定义",
        ),
        (
            {"type": "object", "properties": {"x": {"$ref": "https://example.com/s.json"}}},
            "申请表不能引用外部 Schema",
        ),
    ],
)
def test_form_schema_rules(schema: dict[str, Any], message: str) -> None:
    problems = rules.form_schema_problems(schema)
    assert any(message in p for p in problems), problems


def test_form_schema_draft_7_and_local_refs_are_accepted() -> None:
    schema = {**FORM, "$schema": "http://json-schema.org/draft-07/schema#"}
    assert rules.form_schema_problems(schema) == []
    local = {
        "type": "object",
        "$defs": {"phone": {"type": "string", "pattern": "^1\\d{10}$"}},
        "properties": {"phone": {"$ref": "#/$defs/phone"}},
    }
    assert rules.form_schema_problems(local) == []


def test_publish_refuses_future_valid_from(org: Org) -> None:
    draft = versions.item_create(actor=SYSTEM, code="ITEM-7", fields=fields(org.bureau))
    with pytest.raises(ValidationFailed) as exc:
        versions.version_publish(
            actor=SYSTEM, version=draft, valid_from=timezone.localdate() + datetime.timedelta(days=3)
        )
    assert "生效日期不能晚于今天" in exc.value.detail


def test_retire_removes_the_guide(org: Org) -> None:
    live = make_live("ITEM-8", org.bureau)
    retired = versions.version_retire(actor=SYSTEM, version=live)
    assert retired.status == VersionStatus.RETIRED
    assert retired.valid_to == timezone.localdate()
    assert ServiceItem.objects.get(code="ITEM-8").live_version is None
    with pytest.raises(NotFound):
        selectors.guide_get("ITEM-8")
    with pytest.raises(NotFound):
        selectors.version_for_application("ITEM-8")
    assert fulltext.search(SEARCH_DOC_TYPE, "食品") == []
    with pytest.raises(Conflict):
        versions.version_retire(actor=SYSTEM, version=retired)
    with pytest.raises(Conflict):
        versions.version_update(actor=SYSTEM, version=retired, fields={"name": "x"})
    # a retired item can come back through a new draft
    draft = versions.version_draft_from(actor=SYSTEM, version=retired)
    versions.version_publish(actor=SYSTEM, version=draft)
    assert selectors.guide_get("ITEM-8").number == 2


def test_discard_draft_deletes_a_new_item(org: Org) -> None:
    draft = versions.item_create(actor=SYSTEM, code="ITEM-9", fields=fields(org.bureau))
    versions.version_discard(actor=SYSTEM, version=draft)
    assert not ServiceItem.objects.filter(code="ITEM-9").exists()
    live = make_live("ITEM-10", org.bureau)
    draft = versions.version_draft_from(actor=SYSTEM, version=live)
    versions.version_discard(actor=SYSTEM, version=draft)
    assert list(ServiceItem.objects.get(code="ITEM-10").versions.values_list("status", flat=True)) == [
        "published"
    ]


def test_update_with_same_values_writes_nothing(org: Org) -> None:
    draft = versions.item_create(actor=SYSTEM, code="ITEM-11", fields=fields(org.bureau))
    before = AuditEvent.objects.count()
    data = fields(org.bureau)
    versions.version_update(actor=SYSTEM, version=draft, fields=data)
    assert AuditEvent.objects.count() == before
    versions.version_update(actor=SYSTEM, version=draft, fields={"keywords": "预包装食品"})
    assert AuditEvent.objects.count() == before + 1


# --- permissions and scopes -----------------------------------------------------------------------


def test_editor_works_inside_their_department_tree(org: Org) -> None:
    user = editor(org)
    draft = versions.item_create(actor=user, code="ITEM-20", fields=fields(org.bureau_unit))
    versions.version_update(actor=user, version=draft, fields={"keywords": "新关键词"})
    published = versions.version_publish(actor=user, version=draft)
    assert published.published_by == user


def test_other_scope_is_not_found_and_missing_perm_is_denied(org: Org) -> None:
    user = editor(org, publish=False)
    foreign = versions.item_create(actor=SYSTEM, code="ITEM-21", fields=fields(org.other_bureau))
    with pytest.raises(NotFound):
        versions.version_update(actor=user, version=foreign, fields={"name": "越权修改"})
    with pytest.raises(NotFound):
        versions.item_create(actor=user, code="ITEM-22", fields=fields(org.other_bureau))
    with pytest.raises(NotFound):
        selectors.version_get(user=user, id=foreign.pk)
    mine = versions.item_create(actor=user, code="ITEM-23", fields=fields(org.bureau))
    with pytest.raises(NotFound):  # moving an item to a department outside the scope
        versions.version_update(actor=user, version=mine, fields={"department": org.other_bureau})
    with pytest.raises(PermissionDenied):
        versions.version_publish(actor=user, version=mine)
    nobody = staff(org.bureau)
    with pytest.raises(PermissionDenied):
        versions.version_update(actor=nobody, version=mine, fields={"name": "x"})
    with pytest.raises(PermissionDenied):
        selectors.item_list(user=nobody)
    assert [i.code for i in selectors.item_list(user=user).items] == ["ITEM-23"]


def test_town_clerk_with_division_scope_edits_town_items(org: Org) -> None:
    from shuzheng.catalog.constants import EDIT_PERM, VIEW_PERM
    from shuzheng.identity.models import DataScopeKind
    from shuzheng.identity.tests.conftest import grant

    clerk = staff(org.town_gov)
    grant(clerk, [VIEW_PERM, EDIT_PERM], DataScopeKind.DIVISION_TREE, division=org.town)
    draft = versions.item_create(
        actor=clerk, code="TOWN-1", fields=fields(org.village_station, level="village")
    )
    assert draft.level == "village"
    with pytest.raises(NotFound):
        versions.item_create(actor=clerk, code="TOWN-2", fields=fields(org.other_town_gov, level="town"))
