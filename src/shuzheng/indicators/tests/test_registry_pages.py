"""The registry pages: import through the workbench (errors listed, nothing written), single-row edits
audited, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuzheng.identity.models import AuditEvent
from shuzheng.indicators.models import GovernmentSector, Scenario, VillageCriterion
from shuzheng.indicators.tests.xlsx import workbook
from shuzheng.orgs.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
HEADER = ["场景名称", "责任部门编码", "投入使用日期", "说明"]


def _upload(rows: list[list[Any]], name: str = "scenarios.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook(rows))


def test_keeper_imports_and_sees_the_rows(keeper):
    DepartmentFactory.create(code="EP018")
    response = keeper.post(
        "/workbench/indicators/registries/scenarios/",
        {
            "file": _upload([HEADER, ["应急一张图", "EP018", "2024-01-18", ""]]),
            "source_document": "2024年清单",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "导入完成：新增1条" in page
    assert "应急一张图" in page
    assert Scenario.objects.get().source_document == "2024年清单"


def test_a_bad_file_lists_every_error_and_writes_nothing(keeper):
    response = keeper.post(
        "/workbench/indicators/registries/scenarios/",
        {"file": _upload([HEADER, ["一", "EP404", "2024-01-01", ""], ["二", "", "昨天", ""]])},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "部门编码“EP404”不存在" in page
    assert "责任部门编码不能为空" in page
    assert "“昨天”不是有效日期" in page
    assert not Scenario.objects.exists()
    renamed = keeper.post("/workbench/indicators/registries/scenarios/", {"file": _upload([HEADER], "a.csv")})
    assert renamed.status_code == 422
    assert "只支持 .xlsx" in renamed.content.decode()


def test_viewers_read_but_cannot_import_or_edit(leader):
    assert leader.get("/workbench/indicators/registries/video-terminals/").status_code == 200
    response = leader.post("/workbench/indicators/registries/scenarios/", {"file": _upload([HEADER])})
    assert response.status_code == 403
    assert leader.get("/workbench/indicators/registries/scenarios/new/").status_code == 403
    assert leader.get("/workbench/indicators/registries/nothing/").status_code == 404


def test_a_row_edited_in_the_workbench_is_audited_with_before_and_after(keeper):
    department = DepartmentFactory.create(code="EP018")
    scenario = Scenario.objects.create(name="旧名称", department=department, in_service_on="2024-01-01")
    response = keeper.post(
        f"/workbench/indicators/registries/scenarios/{scenario.pk}/",
        {"name": "新名称", "department": department.pk, "in_service_on": "2024-02-01", "description": ""},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="indicators.scenario.update")
    assert event.before is not None
    assert event.before["name"] == "旧名称"
    assert event.after is not None
    assert event.after["name"] == "新名称"


def test_sectors_and_criteria_are_kept_in_the_workbench_with_audit(keeper, leader):
    department = DepartmentFactory.create(code="EP022")
    response = keeper.post(
        "/workbench/indicators/registries/lists/sectors/new/",
        {"code": "SC99", "name": "城市管理", "departments": [department.pk], "position": 1},
    )
    assert response.status_code == 302
    sector = GovernmentSector.objects.get(code="SC99")
    assert list(sector.departments.all()) == [department]
    assert AuditEvent.objects.filter(action="indicators.governmentsector.create").exists()
    duplicate = keeper.post(
        "/workbench/indicators/registries/lists/sectors/new/", {"code": "SC99", "name": "重复", "position": 2}
    )
    assert duplicate.status_code == 422
    criterion = keeper.post(
        "/workbench/indicators/registries/lists/criteria/new/",
        {"code": "DV9", "name": "5G覆盖", "position": 1, "is_active": "on"},
    )
    assert criterion.status_code == 302
    assert VillageCriterion.objects.get(code="DV9").is_active
    assert leader.get("/workbench/indicators/registries/lists/criteria/new/").status_code == 403
    assert keeper.get("/workbench/indicators/registries/lists/other/new/").status_code == 404
