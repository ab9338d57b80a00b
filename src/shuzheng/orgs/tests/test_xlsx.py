"""Excel import and export: round trip, idempotent re-import, row-numbered errors, refused files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.core.validators import generate_uscc
from shuzheng.identity.models import AuditEvent, User
from shuzheng.orgs import xlsx
from shuzheng.orgs.models import Department, Division
from shuzheng.orgs.services import departments, divisions
from shuzheng.orgs.tests.conftest import Tree, client_for, grant

pytestmark = pytest.mark.django_db

BASE = "/api/v1/orgs"


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def wipe_orgs() -> None:
    for department in Department.objects.order_by("-path"):
        department.serves.clear()
        department.delete()
    for division in Division.objects.order_by("-path"):
        division.delete()


def division_state() -> list[tuple[Any, ...]]:
    return list(
        Division.objects.order_by("code").values_list(
            "code", "name", "level", "parent__code", "path", "is_generated"
        )
    )


def department_state() -> list[tuple[Any, ...]]:
    return [
        (
            d.code,
            d.name,
            d.short_name,
            d.uscc,
            d.parent.code if d.parent else None,
            d.division.code,
            d.path,
            sorted(s.code for s in d.serves.all()),
        )
        for d in Department.objects.order_by("code").select_related("parent", "division")
    ]


@pytest.fixture
def rich_tree(tree: Tree) -> Tree:
    divisions.division_update(actor=SYSTEM, division=tree.village2, is_generated=True)
    departments.department_update(
        actor=SYSTEM,
        department=tree.other,
        uscc=generate_uscc("440785", 4, authority="1", entity_type="1"),
        serves=[tree.town, tree.other_town],
    )
    return tree


# --- round trip -----------------------------------------------------------------------------------


def test_divisions_round_trip_into_empty_db(rich_tree: Tree) -> None:
    content = xlsx.export_divisions_xlsx()
    rows = sheet_rows(content)
    assert rows[0] == ("区划代码", "名称", "层级", "上级代码", "演示生成")
    assert rows[1] == ("440000", "广东省", "省", None, "否")
    assert ("440785103202", "沙湖镇第2村", "村（社区）", "440785103", "是") in rows
    expected = division_state()
    wipe_orgs()
    report = xlsx.import_divisions_xlsx(content, actor=SYSTEM)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (len(expected), 0, 0)
    assert division_state() == expected


def test_departments_round_trip_into_empty_db(rich_tree: Tree) -> None:
    divisions_file = xlsx.export_divisions_xlsx()
    departments_file = xlsx.export_departments_xlsx()
    rows = sheet_rows(departments_file)
    assert rows[0] == xlsx.DEPARTMENT_HEADERS
    assert (
        "EP004",
        "恩平市公安局",
        None,
        Department.objects.get(code="EP004").uscc,
        None,
        "440785",
        "440785103,440785104",
    ) in rows
    expected = department_state()
    assert expected[-1][-1] == ["440785103", "440785104"]
    wipe_orgs()
    assert xlsx.import_divisions_xlsx(divisions_file, actor=SYSTEM).ok
    report = xlsx.import_departments_xlsx(departments_file, actor=SYSTEM)
    assert report.ok, report.errors
    assert report.created == len(expected)
    assert department_state() == expected


def test_second_import_changes_nothing(rich_tree: Tree) -> None:
    content = xlsx.export_departments_xlsx()
    events = AuditEvent.objects.count()
    state = department_state()
    report = xlsx.import_departments_xlsx(content, actor=SYSTEM)
    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(state))
    assert department_state() == state
    assert AuditEvent.objects.count() == events


def test_import_updates_and_moves(tree: Tree, admin_user: User) -> None:
    content = workbook_bytes(
        [
            list(xlsx.DEPARTMENT_HEADERS),
            [
                "EP001-01",
                "恩平市政务服务中心管理科（改）",
                "管理科",
                "",
                "EP004",
                "440785",
                "440785103，440785104",
            ],
            ["EP060", "恩平市新设局", "", "", "", "440785", ""],
        ]
    )
    report = xlsx.import_departments_xlsx(content, actor=admin_user)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 1)
    unit = Department.objects.get(code="EP001-01")
    assert (unit.name, unit.path) == ("恩平市政务服务中心管理科（改）", "/EP004/EP001-01/")
    assert Department.objects.get(code="EP001-01-01").path == "/EP004/EP001-01/EP001-01-01/"
    assert sorted(unit.serves.values_list("code", flat=True)) == ["440785103", "440785104"]
    summary = AuditEvent.objects.get(action="orgs.department.import")
    assert summary.actor_id == admin_user.pk
    assert summary.after == {"created": 1, "updated": 1, "unchanged": 0}


def test_children_may_come_before_parents(db: Any) -> None:
    content = workbook_bytes(
        [
            ["区划代码", "名称", "层级", "上级代码"],
            ["440785103201", "沙湖镇第1村", "村（社区）", "440785103"],
            ["440785103", "沙湖镇", "镇（街道）", "440785"],
            ["440785", "恩平市", "县级市", ""],
        ]
    )
    report = xlsx.import_divisions_xlsx(content, actor=SYSTEM)
    assert report.ok, report.errors
    assert Division.objects.get(code="440785103201").path == "/440785/440785103/440785103201/"


# --- bad rows -------------------------------------------------------------------------------------


def test_bad_rows_are_all_reported_and_nothing_is_written(tree: Tree) -> None:
    divisions, events = division_state(), AuditEvent.objects.count()
    content = workbook_bytes(
        [
            ["区划代码", "名称", "层级", "上级代码"],
            ["440785105", "君堂镇", "镇（街道）", "440785"],  # row 2: good
            ["44078", "坏代码", "镇（街道）", "440785"],  # row 3
            ["440785106", "大槐镇", "星球", "440785"],  # row 4
            ["440785107", "东成镇", "镇（街道）", "440799"],  # row 5: unknown parent
            [None, None, None, None],  # row 6: blank, skipped
            ["440785108", "", "镇（街道）", "440785"],  # row 7: no name
            ["440785105", "君堂镇", "镇（街道）", "440785"],  # row 8: duplicate of row 2
            ["440786100", "外市镇", "镇（街道）", "440785"],  # row 9: wrong prefix
        ]
    )
    report = xlsx.import_divisions_xlsx(content, actor=SYSTEM)
    assert not report.ok
    by_row = {(e.row, e.field) for e in report.errors}
    assert by_row == {
        (3, "区划代码"),
        (4, "层级"),
        (5, "上级代码"),
        (7, "名称"),
        (8, "区划代码"),
        (9, "区划代码"),
    }
    assert all(e.message for e in report.errors)
    assert "第3行【区划代码】" in str(report.errors[0])
    assert division_state() == divisions
    assert AuditEvent.objects.count() == events


def test_department_rows_with_unknown_references(tree: Tree) -> None:
    content = workbook_bytes(
        [
            list(xlsx.DEPARTMENT_HEADERS),
            ["EP070", "甲局", "", "", "", "440785", ""],
            ["EP071", "乙局", "", "123", "EP999", "999999", "440785103,440785999"],
            ["EP072", "甲局", "", "", "", "440785", ""],
        ]
    )
    report = xlsx.import_departments_xlsx(content, actor=SYSTEM)
    assert {(e.row, e.field) for e in report.errors} == {
        (3, "上级部门编码"),
        (3, "所在区划代码"),
        (3, "服务区划代码"),
        (4, "部门名称"),
    }
    assert not Department.objects.filter(code="EP070").exists()


def test_cycle_within_the_file_is_reported(db: Any) -> None:
    content = workbook_bytes(
        [
            list(xlsx.DEPARTMENT_HEADERS),
            ["A1", "甲", "", "", "B1", "440785", ""],
            ["B1", "乙", "", "", "A1", "440785", ""],
        ]
    )
    report = xlsx.import_departments_xlsx(content, actor=SYSTEM)
    assert [(e.row, e.field) for e in report.errors] == [(2, "上级部门编码"), (3, "上级部门编码")]


def test_missing_header_is_refused(db: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        xlsx.import_divisions_xlsx(workbook_bytes([["区划代码", "名称"], ["440785", "恩平市"]]), actor=SYSTEM)
    assert "层级" in exc.value.detail


# --- refused files --------------------------------------------------------------------------------


def test_non_xlsx_is_refused(db: Any) -> None:
    with pytest.raises(UnsupportedMediaType):
        xlsx.import_divisions_xlsx(b"code,name\n440785,Enping\n", actor=SYSTEM)
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(UnsupportedMediaType):
        xlsx.import_divisions_xlsx(other_zip.getvalue(), actor=SYSTEM)


def test_file_over_5_mb_is_refused(db: Any) -> None:
    with pytest.raises(PayloadTooLarge) as exc:
        xlsx.import_divisions_xlsx(b"PK\x03\x04" + b"0" * (5 * 1024 * 1024), actor=SYSTEM)
    assert "5 MB" in exc.value.detail


# --- API ------------------------------------------------------------------------------------------


def test_api_export_and_import(rich_tree: Tree, admin_user: User) -> None:
    client = client_for(admin_user)
    response = client.get(f"{BASE}/divisions/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    upload = SimpleUploadedFile("divisions.xlsx", response.content, content_type=XLSX_CONTENT_TYPE)
    imported = client.post(f"{BASE}/divisions/import", {"file": upload})
    assert imported.status_code == 200, imported.content
    assert imported.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": Division.objects.count(),
        "errors": [],
    }
    exported = client.get(f"{BASE}/departments/export.xlsx")
    assert sheet_rows(exported.content)[0] == xlsx.DEPARTMENT_HEADERS


def test_api_import_errors_are_422_with_rows(tree: Tree, admin_user: User) -> None:
    content = workbook_bytes([["区划代码", "名称", "层级", "上级代码"], ["4407", "坏", "镇", "440785"]])
    upload = SimpleUploadedFile("bad.xlsx", content)
    response = client_for(admin_user).post(f"{BASE}/divisions/import", {"file": upload})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_failed"
    assert body["errors"][0]["row"] == 2
    assert body["errors"][0]["field"] == "区划代码"


def test_api_import_refuses_non_xlsx_and_needs_permission(tree: Tree, admin_user: User, staff: User) -> None:
    csv = SimpleUploadedFile("orgs.csv", b"a,b\n", content_type="text/csv")
    response = client_for(admin_user).post(f"{BASE}/departments/import", {"file": csv})
    assert response.status_code == 415
    assert response.json()["code"] == "not_xlsx"
    renamed = SimpleUploadedFile("orgs.xlsx", b"a,b\n")
    assert client_for(admin_user).post(f"{BASE}/departments/import", {"file": renamed}).status_code == 415
    viewer = grant(staff, ["orgs.add_department"])
    upload = SimpleUploadedFile("d.xlsx", xlsx.export_departments_xlsx())
    assert client_for(viewer).post(f"{BASE}/departments/import", {"file": upload}).status_code == 403


# --- management commands --------------------------------------------------------------------------


def test_commands_export_then_import(rich_tree: Tree, tmp_path: Path) -> None:
    divisions, departments = tmp_path / "divisions.xlsx", tmp_path / "departments.xlsx"
    call_command("export_orgs", "divisions", str(divisions))
    call_command("export_orgs", "departments", str(departments))
    expected = (division_state(), department_state())
    wipe_orgs()
    out = io.StringIO()
    call_command("import_orgs", "divisions", str(divisions), stdout=out)
    call_command("import_orgs", "departments", str(departments), stdout=out)
    assert "新增" in out.getvalue()
    assert (division_state(), department_state()) == expected


def test_command_import_reports_errors(tree: Tree, tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes([list(xlsx.DEPARTMENT_HEADERS), ["EP080", "", "", "", "", "440785", ""]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未做任何修改"):
        call_command("import_orgs", "departments", str(bad), stderr=err)
    assert "第2行【部门名称】" in err.getvalue()
    (tmp_path / "x.xlsx").write_text("not excel")
    with pytest.raises(CommandError, match="只支持"):
        call_command("import_orgs", "departments", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_orgs", "departments", str(tmp_path / "missing.xlsx"))
