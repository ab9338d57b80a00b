"""Excel (xlsx) import and export of divisions and departments, the lists staff keep in spreadsheets.

Import is all-or-nothing: every row goes through the services (so each change is validated and
audited) inside one transaction; if any row is bad, the transaction is rolled back and the report lists
every bad row with its Excel row number and a Chinese message. Rows are matched by code, so importing
the same file twice changes nothing the second time. Rows may come in any order: a parent listed
below its child is created first. Export writes active rows only, in tree order.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font

from shuzheng.core import audit
from shuzheng.core.actors import Actor
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.imports import ImportReport, RowError
from shuzheng.core.spreadsheets import Table, XlsxSource, cell_text, column_text, read_sheets
from shuzheng.orgs.models import Department, Division
from shuzheng.orgs.services import departments, divisions

DIVISION_SHEET = "行政区划"
DIVISION_HEADERS = ("区划代码", "名称", "层级", "上级代码")
DIVISION_OPTIONAL_HEADERS = ("演示生成",)
DEPARTMENT_SHEET = "部门"
DEPARTMENT_HEADERS = (
    "部门编码",
    "部门名称",
    "简称",
    "统一社会信用代码",
    "上级部门编码",
    "所在区划代码",
    "服务区划代码",
)

_DIVISION_FIELDS = {
    "code": "区划代码",
    "name": "名称",
    "level": "层级",
    "parent": "上级代码",
    "is_generated": "演示生成",
}
_DEPARTMENT_FIELDS = {
    "code": "部门编码",
    "name": "部门名称",
    "short_name": "简称",
    "uscc": "统一社会信用代码",
    "parent": "上级部门编码",
    "division": "所在区划代码",
    "serves": "服务区划代码",
}
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")
_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", ""}


# --- reading ----------------------------------------------------------------------------------------


def _first_sheet(file: XlsxSource) -> Table:
    """The rows of the workbook's first sheet (the importers read one sheet each)."""
    return next(iter(read_sheets(file).values()), [])


def _columns(header: list[Any], required: Iterable[str], optional: Iterable[str] = ()) -> dict[str, int]:
    names = [cell_text(v) for v in header]
    columns = {name: i for i, name in enumerate(names) if name}
    missing = [name for name in required if name not in columns]
    if missing:
        raise ValidationFailed(
            f"表头缺少列：{'、'.join(missing)}（第1行应为：{'、'.join(required)}）",
            errors=[{"row": 1, "field": name, "message": "缺少此列"} for name in missing],
            code="import_header",
        )
    return {name: columns[name] for name in [*required, *optional] if name in columns}


def _errors_of(exc: ValidationFailed, row: int, labels: dict[str, str]) -> list[RowError]:
    if not exc.errors:
        return [RowError(row, "", exc.detail)]
    result = []
    for error in exc.errors:
        name = str(error.get("field", ""))
        result.append(RowError(row, labels.get(name, name), str(error.get("message", ""))))
    return result


@dataclass
class _Row:
    number: int
    code: str
    parent_code: str
    values: dict[str, Any]


def _ordered(rows: list[_Row], report: ImportReport, parent_label: str) -> list[_Row]:
    """Parents before children (by codes within the file); rows in a cycle are reported."""
    pending = {r.code: r for r in rows}
    ordered: list[_Row] = []
    while pending:
        ready = [r for r in pending.values() if not r.parent_code or r.parent_code not in pending]
        if not ready:
            for r in sorted(pending.values(), key=lambda r: r.number):
                report.errors.append(RowError(r.number, parent_label, "上级编码在文件中形成循环"))
            break
        for r in ready:
            ordered.append(pending.pop(r.code))
    return ordered


def _apply(
    rows: list[_Row],
    report: ImportReport,
    labels: dict[str, str],
    apply_row: Callable[[_Row], str],
    action: str,
    actor: Actor,
) -> ImportReport:
    with transaction.atomic():
        for row in _ordered(rows, report, labels["parent"]):
            try:
                with transaction.atomic():
                    outcome = apply_row(row)
            except ValidationFailed as exc:
                report.errors.extend(_errors_of(exc, row.number, labels))
                continue
            if outcome == "created":
                report.created += 1
            elif outcome == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
        report.errors.sort(key=lambda e: e.row)
        if report.errors:
            transaction.set_rollback(True)
        elif report.created or report.updated:
            audit.record(
                actor=actor,
                action=action,
                subject_type="orgs.import",
                after={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
            )
    return report


# --- divisions ---------------------------------------------------------------------------------------


_LEVELS: dict[str, str] = {label: str(value) for value, label in Division.Level.choices}
_LEVELS.update({str(v): str(v) for v in Division.Level.values})
_LEVELS.update(
    {
        "县": Division.Level.CITY,
        "区": Division.Level.CITY,
        "镇": Division.Level.TOWN,
        "街道": Division.Level.TOWN,
        "村": Division.Level.VILLAGE,
        "社区": Division.Level.VILLAGE,
    }
)


def export_divisions_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DIVISION_SHEET
    sheet.append([*DIVISION_HEADERS, *DIVISION_OPTIONAL_HEADERS])
    rows = Division.objects.filter(is_active=True).select_related("parent").order_by("path", "id")
    for d in rows.iterator(chunk_size=2000):
        sheet.append(
            [
                d.code,
                d.name,
                d.get_level_display(),
                d.parent.code if d.parent else "",
                _yes_no(d.is_generated),
            ]
        )
    return _finish(workbook, widths=(16, 28, 12, 16, 10))


def import_divisions_xlsx(file: XlsxSource, *, actor: Actor) -> ImportReport:
    """Create or update divisions from a sheet headed 区划代码、名称、层级、上级代码 (optional 演示生成)."""
    table = _first_sheet(file)
    report = ImportReport()
    if not table:
        raise ValidationFailed("文件是空的：第1行应为表头。", code="import_empty")
    columns = _columns(table[0][1], DIVISION_HEADERS, DIVISION_OPTIONAL_HEADERS)
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, cells in table[1:]:
        code = divisions.clean_division_code(column_text(cells, columns, "区划代码"))
        level_text = column_text(cells, columns, "层级")
        level = _LEVELS.get(level_text)
        generated_text = column_text(cells, columns, "演示生成").lower()
        bad = False
        if level is None:
            allowed = "、".join(Division.Level.labels)
            report.errors.append(RowError(number, "层级", f"层级“{level_text}”无效，应为：{allowed}"))
            bad = True
        if generated_text not in _YES | _NO:
            report.errors.append(RowError(number, "演示生成", "应填“是”或“否”"))
            bad = True
        if code and code in seen:
            report.errors.append(RowError(number, "区划代码", f"区划代码“{code}”与第{seen[code]}行重复"))
            bad = True
        elif not code:
            report.errors.append(RowError(number, "区划代码", "区划代码不能为空"))
            bad = True
        seen.setdefault(code, number)
        if bad:
            continue
        values = {
            "name": column_text(cells, columns, "名称"),
            "level": level,
            "is_generated": generated_text in _YES and generated_text != "",
        }
        if "演示生成" not in columns:
            values.pop("is_generated")
        parent_code = divisions.clean_division_code(column_text(cells, columns, "上级代码"))
        rows.append(_Row(number, code, parent_code, values))

    def apply_row(row: _Row) -> str:
        parent = None
        if row.parent_code:
            parent = Division.objects.filter(code=row.parent_code).first()
            if parent is None:
                raise ValidationFailed.for_field("parent", f"上级代码“{row.parent_code}”不存在")
        existing = Division.objects.filter(code=row.code).first()
        if existing is None:
            divisions.division_create(actor=actor, code=row.code, parent=parent, **row.values)
            return "created"
        before = divisions.division_snapshot(existing)
        updated = divisions.division_update(actor=actor, division=existing, parent=parent, **row.values)
        return "updated" if divisions.division_snapshot(updated) != before else "unchanged"

    return _apply(rows, report, _DIVISION_FIELDS, apply_row, "orgs.division.import", actor)


# --- departments -------------------------------------------------------------------------------------


def export_departments_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DEPARTMENT_SHEET
    sheet.append(list(DEPARTMENT_HEADERS))
    rows = (
        Department.objects.filter(is_active=True)
        .select_related("parent", "division")
        .prefetch_related("serves")
        .order_by("path", "id")
    )
    for d in rows:
        sheet.append(
            [
                d.code,
                d.name,
                d.short_name,
                d.uscc,
                d.parent.code if d.parent else "",
                d.division.code,
                ",".join(sorted(s.code for s in d.serves.all())),
            ]
        )
    return _finish(workbook, widths=(18, 36, 14, 22, 18, 16, 40))


def import_departments_xlsx(file: XlsxSource, *, actor: Actor) -> ImportReport:
    """Create or update departments from a sheet headed
    部门编码、部门名称、简称、统一社会信用代码、上级部门编码、所在区划代码、服务区划代码 (comma separated)."""
    table = _first_sheet(file)
    report = ImportReport()
    if not table:
        raise ValidationFailed("文件是空的：第1行应为表头。", code="import_empty")
    columns = _columns(table[0][1], DEPARTMENT_HEADERS)
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, cells in table[1:]:
        code = departments.normalise_department_code(column_text(cells, columns, "部门编码"))
        if not code:
            report.errors.append(RowError(number, "部门编码", "部门编码不能为空"))
            continue
        if code in seen:
            report.errors.append(RowError(number, "部门编码", f"部门编码“{code}”与第{seen[code]}行重复"))
            continue
        seen[code] = number
        serves = [c for c in _LIST_SPLIT.split(column_text(cells, columns, "服务区划代码")) if c]
        values = {
            "name": column_text(cells, columns, "部门名称"),
            "short_name": column_text(cells, columns, "简称"),
            "uscc": column_text(cells, columns, "统一社会信用代码"),
            "division_code": divisions.clean_division_code(column_text(cells, columns, "所在区划代码")),
            "serve_codes": [divisions.clean_division_code(c) for c in serves],
        }
        parent_code = departments.normalise_department_code(column_text(cells, columns, "上级部门编码"))
        rows.append(_Row(number, code, parent_code, values))

    def apply_row(row: _Row) -> str:
        errs: list[dict[str, str]] = []
        parent = None
        if row.parent_code:
            parent = Department.objects.filter(code=row.parent_code).first()
            if parent is None:
                errs.append({"field": "parent", "message": f"上级部门编码“{row.parent_code}”不存在"})
        division_code = row.values["division_code"]
        division = Division.objects.filter(code=division_code).first() if division_code else None
        if division is None:
            message = f"所在区划代码“{division_code}”不存在" if division_code else "所在区划代码不能为空"
            errs.append({"field": "division", "message": message})
        serve_codes: list[str] = row.values["serve_codes"]
        serves = list(Division.objects.filter(code__in=serve_codes))
        unknown = sorted(set(serve_codes) - {d.code for d in serves})
        if unknown:
            errs.append({"field": "serves", "message": f"服务区划代码不存在：{'、'.join(unknown)}"})
        if errs:
            raise ValidationFailed("；".join(e["message"] for e in errs), errors=errs)
        assert division is not None
        fields = {
            "name": row.values["name"],
            "short_name": row.values["short_name"],
            "uscc": row.values["uscc"],
            "parent": parent,
            "division": division,
            "serves": serves,
        }
        existing = Department.objects.filter(code=row.code).first()
        if existing is None:
            departments.department_create(actor=actor, code=row.code, **fields)
            return "created"
        before = departments.department_snapshot(existing)
        updated = departments.department_update(actor=actor, department=existing, **fields)
        return "updated" if departments.department_snapshot(updated) != before else "unchanged"

    return _apply(rows, report, _DEPARTMENT_FIELDS, apply_row, "orgs.department.import", actor)


# --- writing -----------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _finish(workbook: Workbook, *, widths: Iterable[int]) -> bytes:
    sheet = workbook.active
    assert sheet is not None
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", widths, strict=False):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # codes stay text: no 4.40785E+11 when staff open the file
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
