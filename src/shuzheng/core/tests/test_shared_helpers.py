"""The helpers every context shares: one wording for field errors and import reports, one 422 for unknown
ids, one transition-table shape."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from shuzheng.core.actors import SYSTEM, SystemActor, is_system
from shuzheng.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from shuzheng.core.field_errors import SHOWN, FieldErrors
from shuzheng.core.imports import ImportReport, RowError
from shuzheng.core.lookup import resolve_many_or_422, resolve_or_422
from shuzheng.core.spreadsheets import MAX_BYTES, column_text, read_sheets
from shuzheng.core.transitions import TransitionTable
from shuzheng.orgs.models import Department
from shuzheng.orgs.tests.factories import DepartmentFactory


def test_no_errors_raises_nothing() -> None:
    errors = FieldErrors()
    errors.raise_if_any("申请未通过校验")
    assert not errors


def test_every_field_is_named_once_in_one_sentence() -> None:
    errors = FieldErrors()
    errors.add("name", "名称不能为空")
    errors.add("phone", "格式不对", label="联系电话")
    with pytest.raises(ValidationFailed) as raised:
        errors.raise_if_any("申请未通过校验", code="bad_application")
    assert raised.value.detail == "申请未通过校验：名称不能为空；联系电话：格式不对"
    assert raised.value.code == "bad_application"
    assert [e["field"] for e in raised.value.errors] == ["name", "phone"]


def test_a_long_list_is_cut_in_the_sentence_but_kept_whole_in_errors() -> None:
    errors = FieldErrors()
    for n in range(SHOWN + 3):
        errors.add(f"f{n}", f"第{n}项有误")
    with pytest.raises(ValidationFailed) as raised:
        errors.raise_if_any()
    assert raised.value.detail.endswith(f"（共{SHOWN + 3}处问题）")
    assert f"第{SHOWN}项有误" not in raised.value.detail
    assert len(raised.value.errors) == SHOWN + 3


def test_a_validator_error_joins_the_collection() -> None:
    def never(value: str, *, field: str) -> None:
        raise ValidationFailed.for_field(field, f"{value}无效")

    errors = FieldErrors()
    assert errors.check(never, "abc", "code") is False
    assert errors.items[0]["field"] == "code"
    assert errors.items[0]["message"] == "abc无效"


def test_row_errors_say_where() -> None:
    assert str(RowError(3, "名称", "不能为空")) == "第3行【名称】：不能为空"
    assert str(RowError(0, "", "不是 xlsx 文件")) == "文件：不是 xlsx 文件"
    assert str(RowError(2, "", "重复", sheet="事项")) == "“事项”表第2行：重复"


def test_import_report_counts_in_its_unit() -> None:
    assert ImportReport(created=2, updated=1).summary() == "导入完成：新增2条，更新1条，未变0条。"
    assert (
        ImportReport(unit="项", created=1, published=1).summary()
        == "导入完成：新增1项，更新0项，未变0项，发布1项。"
    )
    failed = ImportReport(errors=[RowError(1, "a", "b")])
    assert not failed.ok
    assert failed.summary() == "导入失败，未做任何修改：共1处错误。"
    assert failed.as_dict()["errors"] == [{"row": 1, "field": "a", "message": "b"}]


@pytest.mark.django_db
def test_unknown_ids_are_one_422_naming_them() -> None:
    known = DepartmentFactory.create()
    assert resolve_or_422(Department.objects.all(), known.pk, field="department_id", label="部门") == known
    with pytest.raises(ValidationFailed) as raised:
        resolve_or_422(Department.objects.all(), known.pk + 1000, field="department_id", label="部门")
    assert raised.value.errors[0]["field"] == "department_id"
    assert f"部门不存在（id={known.pk + 1000}）" == raised.value.detail
    with pytest.raises(ValidationFailed) as raised:
        resolve_or_422(Department.objects.all(), None, field="department_id", label="部门")
    many = resolve_many_or_422(Department.objects.all(), [known.pk, known.pk], field="ids", label="部门")
    assert many == [known]
    with pytest.raises(ValidationFailed) as raised:
        resolve_many_or_422(Department.objects.all(), [known.pk, -1, -2], field="ids", label="部门")
    assert raised.value.detail == "部门不存在（id=-1、-2）"


def test_transition_table_allows_only_what_it_names() -> None:
    table = TransitionTable(
        {("draft", "submit"): "review", ("review", "approve"): "done", ("review", "reject"): "draft"}
    )
    assert table.target("draft", "submit") == "review"
    assert table.target("draft", "approve") is None
    assert table.actions_from("review") == ["approve", "reject"]
    assert table.states() == {"draft", "review", "done"}
    assert table.is_final("done")
    assert not table.is_final("draft")
    assert table.actions() == {"submit", "approve", "reject"}


def test_the_platform_is_an_explicit_actor() -> None:
    assert is_system(SYSTEM)
    assert is_system(SystemActor("demo"))
    assert not is_system(None)
    assert str(SYSTEM) == "system"


def test_spreadsheets_are_read_one_way() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = " 部门 "
    sheet.append(["编码", "启用"])
    sheet.append([None, None])
    sheet.append([12.0, True])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheets = read_sheets(buffer.getvalue())
    assert list(sheets) == ["部门"]
    assert [number for number, _ in sheets["部门"]] == [1, 3]
    cells = sheets["部门"][1][1]
    assert column_text(cells, {"编码": 0, "启用": 1}, "编码") == "12"
    assert column_text(cells, {"编码": 0, "启用": 1}, "启用") == "是"
    assert column_text(cells, {"编码": 0}, "缺失") == ""
    with pytest.raises(UnsupportedMediaType):
        read_sheets(b"name,code\n")
    with pytest.raises(PayloadTooLarge):
        read_sheets(b"PK\x03\x04" + b"0" * MAX_BYTES)
