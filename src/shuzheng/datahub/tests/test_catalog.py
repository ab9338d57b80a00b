"""Catalog entries: validation, codes, the review flow (every allowed edge, a forbidden one), items."""

from __future__ import annotations

import pytest

from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.datahub.models import CatalogEntry, EntryStatus, EntryTransition
from shuzheng.datahub.selectors import catalog as catalog_selectors
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.datahub.services import rows as row_services
from shuzheng.datahub.tests.conftest import PERSON_ITEMS, make_entry
from shuzheng.datahub.workflow import ENTRY_WORKFLOW
from shuzheng.identity.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_create_assigns_code_and_items(hub):
    entry = make_entry(hub, publish=False, mount=False)
    assert entry.code == "TP01/A01-0001"
    assert entry.status == EntryStatus.DRAFT
    assert [i.name for i in entry.items.all()][:2] == ["id_number", "full_name"]
    second = make_entry(hub, publish=False, mount=False, name="婚姻登记信息")
    assert second.code == "TP01/A01-0002"
    assert AuditEvent.objects.filter(action="datahub.entry.create").count() == 2


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"name": "Bad Name", "label": "x"}], "items[0].name"),
        ([{"name": "a; drop table x", "label": "x"}], "items[0].name"),
        ([{"name": "cursor", "label": "x"}], "items[0].name"),
        ([{"name": "a", "label": ""}], "items[0].label"),
        ([{"name": "a", "label": "甲"}, {"name": "a", "label": "乙"}], "items[1].name"),
        ([{"name": "a", "label": "甲", "data_type": "blob"}], "items[0].data_type"),
        ([{"name": "a", "label": "甲", "data_type": "integer", "masking": "name"}], "items[0].masking"),
        ([{"name": "a", "label": "甲", "is_personal": True}], "items[0].sensitivity"),
        ([], "items"),
    ],
)
def test_bad_items_are_refused_naming_the_field(hub, items, field):
    with pytest.raises(ValidationFailed) as info:
        catalog_services.entry_create(
            actor=hub.steward,
            department=hub.provider,
            metadata=catalog_services.EntryMetadata(name="测试", class_code="A01", sharing_conditions="条件"),
            items=items,
        )
    assert field in [e["field"] for e in info.value.errors]
    assert not CatalogEntry.objects.exists()


def test_bad_metadata(hub):
    with pytest.raises(ValidationFailed) as info:
        catalog_services.entry_create(
            actor=hub.steward,
            department=hub.provider,
            metadata=catalog_services.EntryMetadata(
                name="", class_code="a-1", sharing_type="conditional", grade="core", openness="open"
            ),
            items=PERSON_ITEMS,
        )
    fields = {e["field"] for e in info.value.errors}
    assert {"name", "class_code", "sharing_conditions", "openness"} <= fields


def test_steward_cannot_catalog_for_another_department(hub):
    with pytest.raises(PermissionDenied):
        catalog_services.entry_create(
            actor=hub.steward,
            department=hub.consumer,
            metadata=catalog_services.EntryMetadata(name="x", class_code="A01"),
            items=PERSON_ITEMS,
        )


def test_every_allowed_transition_and_a_forbidden_one(hub):
    entry = make_entry(hub, publish=False, mount=False)
    catalog_services.entry_transition(actor=hub.steward, entry=entry, action="submit")
    with pytest.raises(ValidationFailed):
        catalog_services.entry_transition(actor=hub.reviewer, entry=entry, action="reject")  # needs a comment
    catalog_services.entry_transition(actor=hub.reviewer, entry=entry, action="reject", comment="摘要不完整")
    catalog_services.entry_transition(actor=hub.steward, entry=entry, action="submit")
    catalog_services.entry_transition(actor=hub.reviewer, entry=entry, action="approve")
    catalog_services.entry_transition(actor=hub.steward, entry=entry, action="revise")
    edges = set(EntryTransition.objects.filter(entry=entry).values_list("from_status", "to_status"))
    assert edges == {(source, target) for (source, _), target in ENTRY_WORKFLOW.edges.items()}
    with pytest.raises(Conflict):
        catalog_services.entry_transition(
            actor=hub.reviewer, entry=entry, action="approve"
        )  # draft → published


def test_editor_cannot_approve_own_entry(hub):
    entry = make_entry(hub, publish=False, mount=False)
    catalog_services.entry_transition(
        actor=hub.reviewer, entry=entry, action="submit"
    )  # reviewer may also edit
    entry.refresh_from_db()
    entry.editor = hub.reviewer
    entry.save()
    with pytest.raises(PermissionDenied):
        catalog_services.entry_transition(actor=hub.reviewer, entry=entry, action="approve")
    with pytest.raises(PermissionDenied):  # the steward lacks the review permission
        catalog_services.entry_transition(actor=hub.steward, entry=entry, action="approve")


def test_update_only_in_draft_and_mounted_columns_stay(hub):
    entry = make_entry(hub, rows=None)
    with pytest.raises(Conflict):
        catalog_services.entry_update(actor=hub.steward, entry=entry, name="新名称")
    catalog_services.entry_transition(actor=hub.steward, entry=entry, action="revise")
    with pytest.raises(ValidationFailed):
        catalog_services.entry_update(
            actor=hub.steward, entry=entry, items=PERSON_ITEMS[1:]
        )  # drops a column
    items = [*PERSON_ITEMS, {"name": "nation", "label": "民族"}]
    catalog_services.entry_update(actor=hub.steward, entry=entry, items=items, name="户籍人口基本信息")
    entry.refresh_from_db()
    assert entry.name == "户籍人口基本信息"
    assert entry.items.get(name="nation").mounted
    row_services.rows_insert(
        actor=hub.steward, entry=entry, rows=[{"id_number": "1", "full_name": "甲", "nation": "汉族"}]
    )


def test_search_and_scope(hub):
    make_entry(hub, name="婚姻登记信息", mount=False)
    draft = make_entry(hub, name="残疾人信息", publish=False, mount=False)
    page = catalog_selectors.entry_list(user=hub.consumer_user, q="婚姻")
    assert [e.name for e in page.items] == ["婚姻登记信息"]
    visible = {e.pk for e in catalog_selectors.entry_list(user=hub.consumer_user).items}
    assert draft.pk not in visible  # someone else's draft
    assert draft.pk in {e.pk for e in catalog_selectors.entry_list(user=hub.steward).items}


def test_mount_stats(hub, person_entry):
    make_entry(hub, name="文件资源", mount=False)
    stats = catalog_selectors.mount_stats()
    row = next(r for r in stats if r["department_code"] == "TP01")
    assert row["entries"] == 2
    assert row["tables"] == 1
    assert row["rows"] == 5
