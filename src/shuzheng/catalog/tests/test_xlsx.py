"""Excel import/export of the implementation list: round trip, idempotence, drafts only, row errors."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from shuzheng.catalog import xlsx
from shuzheng.catalog.constants import VersionStatus
from shuzheng.catalog.models import ServiceItem, ServiceItemVersion
from shuzheng.catalog.tests.conftest import editor, make_live
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import UnsupportedMediaType
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.conftest import Org

pytestmark = pytest.mark.django_db


def rows_of(content: bytes, sheet: str) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content))
    return [list(r) for r in workbook[sheet].iter_rows(values_only=True)]


def build(
    items: list[list[Any]], materials: list[list[Any]] | None = None, steps: list[list[Any]] | None = None
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = xlsx.ITEM_SHEET
    sheet.append([h for _, h in xlsx.ITEM_COLUMNS])
    for row in items:
        sheet.append(row)
    if materials is not None:
        m = workbook.create_sheet(xlsx.MATERIAL_SHEET)
        m.append([h for _, h in xlsx.MATERIAL_COLUMNS])
        for row in materials:
            m.append(row)
    if steps is not None:
        s = workbook.create_sheet(xlsx.STEP_SHEET)
        s.append([h for _, h in xlsx.STEP_COLUMNS])
        for row in steps:
            s.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SCHEMA = (
    '{"type": "object", "required": ["phone"], '
    '"properties": {"phone": {"type": "string", "title": "联系电话"}}}'
)


def item_row(code: str, department: str, **overrides: Any) -> list[Any]:
    values = {
        "实施编码": code,
        "事项名称": "城乡居民养老保险参保登记",
        "事项类型": "公共服务",
        "实施部门编码": department,
        "实施部门名称": "（导入时忽略）",
        "实施层级": "市级",
        "服务对象": "自然人",
        "法定办结时限（工作日）": 5,
        "承诺办结时限（工作日）": 2,
        "到现场次数": 0,
        "四办类型": "网上办、马上办",
        "可申请渠道": "portal,window",  # codes are accepted as well as labels
        "一窗受理": "是",
        "跨省通办": "是",
        "四免": "免提交政府核发材料，免实物印章",
        "高频事项": "是",
        "是否收费": "否",
        "收费标准及依据": "",
        "设定依据": "《中华人民共和国社会保险法》第二十条",
        "受理条件": "年满16周岁的城乡居民",
        "主题分类": "",
        "搜索关键词": "养老保险 社保",
        "申请表（JSON Schema）": SCHEMA,
        "版本号": "",
        "状态": "",
        "生效日期": "",
    }
    values.update(overrides)
    return [values[h] for _, h in xlsx.ITEM_COLUMNS]


def step_rows(code: str) -> list[list[Any]]:
    return [[code, 1, "受理", "case_acceptor", "", 0], [code, 2, "审核", "case_approver", "", 2]]


def material_rows(code: str) -> list[list[Any]]:
    return [
        [code, "M01", "居民身份证", "必要", "", "原件", 1, "", "是", "是", "居民身份证"],
        [code, "M02", "户口簿", "容缺/视情形提交", "户籍不在本市时提交", "复印件", 1, 2, "否", "否", ""],
    ]


def test_export_round_trip_changes_nothing(org: Org, groups: Any) -> None:
    make_live("FOOD-1", org.bureau, guide_groups=["kaiban", "birth"])
    make_live("SHOP-1", org.bureau_unit, name="个体工商户设立登记", conditions="=1+1 is text, not a formula")
    content = xlsx.export_items_xlsx(user=SYSTEM)
    items = rows_of(content, xlsx.ITEM_SHEET)
    assert items[0][:4] == ["实施编码", "事项名称", "事项类型", "实施部门编码"]
    assert [r[0] for r in items[1:]] == ["FOOD-1", "SHOP-1"]
    assert items[1][2] == "行政许可"
    assert items[1][10] == "网上办、一次办"
    assert "=1+1" in str(items[2][19])  # stays text
    assert len(rows_of(content, xlsx.MATERIAL_SHEET)) == 1 + 4
    assert len(rows_of(content, xlsx.STEP_SHEET)) == 1 + 6
    before = AuditEvent.objects.count()
    report = xlsx.import_items_xlsx(content, actor=SYSTEM)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.count() == before
    assert ServiceItemVersion.objects.count() == 2


def test_import_creates_drafts_and_is_idempotent(org: Org) -> None:
    content = build(
        [
            item_row("NEW-1", org.bureau.code),
            item_row("NEW-2", org.bureau.code, **{"事项名称": "城乡居民养老保险待遇申领"}),
        ],
        material_rows("NEW-1") + material_rows("NEW-2"),
        step_rows("NEW-1") + step_rows("NEW-2"),
    )
    first = xlsx.import_items_xlsx(content, actor=SYSTEM)
    assert first.ok, first.errors
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    draft = ServiceItemVersion.objects.get(code="NEW-1")
    assert draft.status == VersionStatus.DRAFT
    assert draft.handling_modes == ["instant", "online"]
    assert draft.channels == ["portal", "window"]
    assert draft.exemptions == ["no_copies", "no_seal"]
    assert draft.applicant_types == ["person"]
    assert draft.cross_region
    assert draft.high_frequency
    assert draft.is_free
    materials = list(draft.materials.all())
    assert [m.exempt for m in materials] == [True, False]
    assert materials[1].need == "conditional"
    assert materials[1].pages == 2
    assert [s.role_code for s in draft.steps.all()] == ["case_acceptor", "case_approver"]
    audit_count = AuditEvent.objects.count()

    second = xlsx.import_items_xlsx(content, actor=SYSTEM)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.count() == audit_count
    assert ServiceItemVersion.objects.count() == 2


def test_import_with_publish_then_again_changes_nothing(org: Org) -> None:
    content = build([item_row("NEW-1", org.bureau.code)], material_rows("NEW-1"), step_rows("NEW-1"))
    first = xlsx.import_items_xlsx(content, publish=True, actor=SYSTEM)
    assert first.ok, first.errors
    assert first.published == 1
    live = ServiceItem.objects.get(code="NEW-1").live_version
    assert live is not None
    assert live.status == VersionStatus.PUBLISHED
    second = xlsx.import_items_xlsx(content, publish=True, actor=SYSTEM)
    assert (second.created, second.updated, second.unchanged, second.published) == (0, 0, 1, 0)
    assert ServiceItemVersion.objects.filter(code="NEW-1").count() == 1


def test_a_changed_row_makes_a_draft_and_never_touches_the_live_version(org: Org) -> None:
    live = make_live("FOOD-1", org.bureau)
    content = xlsx.export_items_xlsx(user=SYSTEM)
    workbook = load_workbook(io.BytesIO(content))
    workbook[xlsx.ITEM_SHEET]["B2"] = "食品经营许可（新）"
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = xlsx.import_items_xlsx(buffer.getvalue(), actor=SYSTEM)
    assert (report.created, report.updated) == (0, 1)
    live.refresh_from_db()
    assert live.name == "食品经营许可"
    assert live.status == VersionStatus.PUBLISHED
    draft = ServiceItemVersion.objects.get(code="FOOD-1", status=VersionStatus.DRAFT)
    assert draft.name == "食品经营许可（新）"
    assert draft.materials.count() == live.materials.count()
    # the same file again: the draft already matches
    again = xlsx.import_items_xlsx(buffer.getvalue(), actor=SYSTEM)
    assert (again.updated, again.unchanged) == (0, 1)


def test_bad_rows_are_reported_with_sheet_row_and_column_and_nothing_changes(org: Org) -> None:
    make_live("FOOD-1", org.bureau)
    content = build(
        [
            item_row("NEW-1", org.bureau.code),
            item_row("NEW-2", "NOPE", **{"事项类型": "许可证"}),
            item_row("NEW-3", org.bureau.code, **{"法定办结时限（工作日）": "五天", "高频事项": "也许"}),
            item_row("NEW-1", org.bureau.code),
            item_row("NEW-4", org.bureau.code, **{"申请表（JSON Schema）": "{oops"}),
        ],
        [
            *material_rows("NEW-1"),
            ["NEW-1", "M01", "重复编码", "必要", "", "原件", 1, "", "是", "否", ""],
            ["GHOST", "M01", "无主材料", "必要", "", "原件", 1, "", "是", "否", ""],
        ],
        [*step_rows("NEW-1"), ["NEW-1", 3, "审批", "case_approver", "ZZZ", 1]],
    )
    report = xlsx.import_items_xlsx(content, actor=SYSTEM)
    assert not report.ok
    found = {(e.sheet, e.row, e.field): e.message for e in report.errors}
    assert found[("事项", 3, "实施部门编码")] == "部门编码“NOPE”不存在"
    assert "事项类型“许可证”无效" in found[("事项", 3, "事项类型")]
    assert found[("事项", 4, "法定办结时限（工作日）")] == "应为整数（现为“五天”）"
    assert found[("事项", 4, "高频事项")] == "应填“是”或“否”（现为“也许”）"
    assert found[("事项", 5, "实施编码")] == "实施编码“NEW-1”与第2行重复"
    assert found[("事项", 6, "申请表（JSON Schema）")] == "不是有效的 JSON"
    assert found[("材料", 4, "材料编码")] == "材料编码“M01”重复"
    assert found[("材料", 5, "实施编码")] == "实施编码“GHOST”不在“事项”表中"
    assert "办理部门编码“ZZZ”不存在" in found[("环节", 4, "办理部门编码")]
    assert "第" in str(report.errors[0])
    assert not ServiceItem.objects.exclude(code="FOOD-1").exists()


def test_publish_errors_roll_back_the_whole_import(org: Org) -> None:
    content = build(
        [
            item_row("NEW-1", org.bureau.code),
            item_row("NEW-2", org.bureau.code, **{"承诺办结时限（工作日）": 9}),
        ],
        material_rows("NEW-1") + material_rows("NEW-2"),
        step_rows("NEW-1") + step_rows("NEW-2")[:1] + [["NEW-2", 2, "审核", "", "", 2]],
    )
    report = xlsx.import_items_xlsx(content, publish=True, actor=SYSTEM)
    found = {(e.sheet, e.row, e.field): e.message for e in report.errors}
    assert (
        "承诺办结时限（9个工作日）不能超过法定办结时限（5个工作日）"
        in found[("事项", 3, "承诺办结时限（工作日）")]
    )
    assert found[("环节", 5, "办理角色编码")] == "第2个环节“审核”未指定办理角色"
    assert not ServiceItem.objects.exists()


def test_import_refuses_what_is_not_an_implementation_list(org: Org) -> None:
    with pytest.raises(UnsupportedMediaType):
        xlsx.import_items_xlsx(b"name,code\n", actor=SYSTEM)
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(Exception, match="没有“事项”工作表"):
        xlsx.import_items_xlsx(buffer.getvalue(), actor=SYSTEM)
    wrong_header = Workbook()
    sheet = wrong_header.active
    assert sheet is not None
    sheet.title = "事项"
    sheet.append(["编码", "名称"])
    sheet.append(["A", "B"])
    buffer = io.BytesIO()
    wrong_header.save(buffer)
    with pytest.raises(Exception, match="表头缺少列"):
        xlsx.import_items_xlsx(buffer.getvalue(), actor=SYSTEM)


def test_scoped_actor_cannot_import_other_departments(org: Org) -> None:
    user = editor(org)
    content = build([item_row("NEW-1", org.town_gov.code)], [], step_rows("NEW-1"))
    report = xlsx.import_items_xlsx(content, actor=user)
    assert report.errors[0].message == "事项不存在或不在您的数据范围内。"
    assert not ServiceItem.objects.exists()
    export = xlsx.export_items_xlsx(user=user)
    assert len(rows_of(export, xlsx.ITEM_SHEET)) == 1


def test_management_commands(org: Org, tmp_path: Any, capsys: Any) -> None:
    make_live("FOOD-1", org.bureau)
    target = tmp_path / "items.xlsx"
    call_command("export_items", str(target))
    assert target.exists()
    call_command("import_items", str(target))
    assert "未变1项" in capsys.readouterr().out
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_items", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="账号"):
        call_command("import_items", str(target), "--actor", "nobody")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(build([item_row("X", "NOPE")]))
    with pytest.raises(CommandError, match="导入失败"):
        call_command("import_items", str(bad))
