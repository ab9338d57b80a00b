"""Excel (xlsx) export and import of the data catalog, the lists departments keep in spreadsheets.

Two sheets: 数据目录 (one row per entry) and 信息项 (one row per data item, linked by 提供部门编码 and
资源名称).
Choice columns take the Chinese labels (or the codes). Import is all-or-nothing: each entry goes
through ``services.catalog.entry_create`` (new entries start in 编辑中); if any row is bad nothing is
written and the error lists every bad row with its sheet and Excel row number. Entries that already exist
(same department and name) are skipped, so importing an exported file twice creates nothing.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any, Final

from django.db import models, transaction
from openpyxl import Workbook
from openpyxl.styles import Font

from shuzheng.core.errors import ApplicationError, ValidationFailed
from shuzheng.core.imports import RowError
from shuzheng.core.spreadsheets import Table, XlsxSource, cell_text, column_text, read_sheets
from shuzheng.datahub.models import (
    CatalogEntry,
    Classification,
    DataType,
    Grade,
    MaskingKind,
    Openness,
    ResourceFormat,
    Sensitivity,
    SharingType,
    UpdateCycle,
)
from shuzheng.datahub.services import catalog as catalog_services
from shuzheng.identity.actors import Actor
from shuzheng.orgs import selectors as orgs_selectors

ENTRY_SHEET: Final = "数据目录"
ITEM_SHEET: Final = "信息项"
ENTRY_COLUMNS: Final = (
    ("code", "资源代码", None),
    ("name", "资源名称", None),
    ("department", "提供部门编码", None),
    ("classification", "资源分类", Classification),
    ("class_code", "类目编码", None),
    ("format", "资源格式", ResourceFormat),
    ("sharing_type", "共享类型", SharingType),
    ("sharing_conditions", "共享条件", None),
    ("sharing_method", "共享方式", None),
    ("openness", "开放属性", Openness),
    ("open_conditions", "开放条件", None),
    ("update_cycle", "更新周期", UpdateCycle),
    ("grade", "数据分级", Grade),
    ("abstract", "资源摘要", None),
    ("status", "状态", None),
)
ITEM_COLUMNS: Final = (
    ("department", "提供部门编码", None),
    ("entry", "资源名称", None),
    ("name", "字段名", None),
    ("label", "中文名称", None),
    ("data_type", "数据类型", DataType),
    ("required", "必填", bool),
    ("is_key", "检索键", bool),
    ("is_personal", "个人信息", bool),
    ("sensitivity", "敏感级别", Sensitivity),
    ("masking", "脱敏方式", MaskingKind),
    ("description", "说明", None),
)
_YES = {"是", "y", "yes", "true", "1", "√"}
#: Columns an exported file has that an import may leave out (the code is assigned, new entries are drafts).
_OPTIONAL: Final = ("资源代码", "状态")


def _label(choices: Any, value: str) -> str:
    if isinstance(choices, type) and issubclass(choices, models.Choices):
        return str(dict(choices.choices).get(value, value))
    return value


def _code(choices: Any, text: str) -> str:
    """A choice's code from its label or code (unknown text passes through for the service to refuse)."""
    text = text.strip()
    if isinstance(choices, type) and issubclass(choices, models.Choices):
        for code, label in choices.choices:
            if text in (code, label) or text == str(label).split(" ")[0]:
                return str(code)
    return text


def export_catalog(entries: list[CatalogEntry]) -> bytes:
    workbook = Workbook(write_only=False)
    for default in list(workbook.worksheets):
        workbook.remove(default)
    sheet = workbook.create_sheet(ENTRY_SHEET)
    sheet.append([label for _f, label, _c in ENTRY_COLUMNS])
    items = workbook.create_sheet(ITEM_SHEET)
    items.append([label for _f, label, _c in ITEM_COLUMNS])
    for row in (sheet[1], items[1]):
        for cell in row:
            cell.font = Font(bold=True)
    for entry in entries:
        values = []
        for field, _label_text, choices in ENTRY_COLUMNS:
            if field == "department":
                values.append(entry.department.code)
            elif field == "status":
                values.append(entry.get_status_display())
            else:
                values.append(_label(choices, str(getattr(entry, field))))
        sheet.append(values)
        for item in entry.items.all():
            items.append(
                [
                    entry.department.code,
                    entry.name,
                    item.name,
                    item.label,
                    _label(DataType, item.data_type),
                    "是" if item.required else "否",
                    "是" if item.is_key else "否",
                    "是" if item.is_personal else "否",
                    _label(Sensitivity, item.sensitivity),
                    _label(MaskingKind, item.masking),
                    item.description,
                ]
            )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rows(
    sheets: dict[str, Table], title: str, columns: tuple[tuple[str, str, Any], ...]
) -> list[tuple[int, dict[str, str]]]:
    """The sheet's rows after the header as {field: text}, by Excel row number."""
    if title not in sheets:
        raise ValidationFailed(
            f"文件中没有“{title}”工作表（应有“{ENTRY_SHEET}”和“{ITEM_SHEET}”两张表）。",
            errors=[{"sheet": title, "field": "file", "message": f"缺少“{title}”工作表"}],
            code="import_empty",
        )
    table = sheets[title]
    if not table:
        return []
    header = [cell_text(v) for v in table[0][1]]
    positions = {name: i for i, name in enumerate(header) if name}
    missing = [label for _f, label, _c in columns if label not in positions and label not in _OPTIONAL]
    if missing:
        raise ValidationFailed(
            f"“{title}”表的表头缺少列：{'、'.join(missing)}",
            errors=[{"sheet": title, "row": 1, "field": name, "message": "缺少此列"} for name in missing],
            code="import_header",
        )
    index = {field: positions[label] for field, label, _c in columns if label in positions}
    return [
        (number, {field: column_text(cells, index, field) for field, _label, _c in columns})
        for number, cells in table[1:]
    ]


def import_catalog(*, actor: Actor, file: XlsxSource) -> dict[str, int]:
    """Create the entries of an xlsx file (all or nothing); returns {"created": n, "skipped": n}."""
    sheets = read_sheets(file)
    entry_rows = _rows(sheets, ENTRY_SHEET, ENTRY_COLUMNS)
    item_rows = _rows(sheets, ITEM_SHEET, ITEM_COLUMNS)
    items: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for _number, row in item_rows:
        items[(row["department"].upper(), row["entry"])].append(
            {
                "name": row["name"],
                "label": row["label"],
                "data_type": _code(DataType, row["data_type"]) or DataType.STRING,
                "required": row["required"].lower() in _YES,
                "is_key": row["is_key"].lower() in _YES,
                "is_personal": row["is_personal"].lower() in _YES,
                "sensitivity": _code(Sensitivity, row["sensitivity"]) or Sensitivity.L1,
                "masking": _code(MaskingKind, row["masking"]) or MaskingKind.NONE,
                "description": row["description"],
            }
        )
    departments = orgs_selectors.departments_by_code(list({r["department"].upper() for _n, r in entry_rows}))
    errors: list[RowError] = []
    created = skipped = 0
    try:
        with transaction.atomic():
            for number, row in entry_rows:
                department = departments.get(row["department"].upper())
                if department is None:
                    errors.append(RowError(number, "提供部门编码", f"部门“{row['department']}”不存在"))
                    continue
                if CatalogEntry.objects.filter(department=department, name=row["name"]).exists():
                    skipped += 1
                    continue
                try:
                    with transaction.atomic():
                        catalog_services.entry_create(
                            actor=actor,
                            department=department,
                            metadata=catalog_services.EntryMetadata(
                                name=row["name"], class_code=row["class_code"], **_metadata(row)
                            ),
                            items=items.get((department.code, row["name"]), []),
                        )
                    created += 1
                except ApplicationError as exc:
                    for error in exc.errors or [{"field": "", "message": exc.detail}]:
                        errors.append(RowError(number, error.get("field", ""), error["message"]))
            if errors:
                raise _Rollback
    except _Rollback:
        shown = "；".join(str(e) for e in errors[:5])
        raise ValidationFailed(
            f"导入失败，未写入任何数据：{shown}", errors=[e.as_dict() for e in errors], code="import_failed"
        ) from None
    return {"created": created, "skipped": skipped}


class _Rollback(Exception):
    pass


def _metadata(row: dict[str, str]) -> dict[str, Any]:
    """EntryMetadata fields from an entry row's choice and text columns (name and class code aside)."""
    skip = ("code", "name", "department", "class_code", "status")
    return {
        field: _code(choices, row[field]) for field, _label, choices in ENTRY_COLUMNS if field not in skip
    }
