"""Excel (xlsx) import and export of the implementation list (实施清单).

Three sheets: "事项" (one row per item version), "材料" (its materials) and "环节" (its workflow steps),
joined by 实施编码. List cells (服务对象、四办类型、可申请渠道、四免、主题分类) are separated by commas and
take the Chinese labels or the codes; yes/no cells take 是/否.

Import never touches a published version: a row creates a new item (with a draft), updates the item's
draft, or — when the row differs from the live version — starts a draft from the live version and
writes the row into it; a row equal to the live version changes nothing. With ``publish=True`` the
drafts of the imported rows are then published. Missing optional columns (or a missing 材料/环节 sheet)
keep what the version has. The import is all-or-nothing: every row runs through the services (validated
and audited) in one transaction, and if any row fails, nothing is kept and the report lists every error
with its sheet, Excel row number, column and a Chinese message. Importing the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, cast

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from shuzheng.catalog import selectors
from shuzheng.catalog.constants import (
    ApplicantType,
    ApplyChannel,
    Exemption,
    HandlingMode,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialNeed,
    VersionStatus,
)
from shuzheng.catalog.models import ServiceItem, ServiceItemVersion
from shuzheng.catalog.services import cleaning, content, versions
from shuzheng.catalog.services.cleaning import VersionFields
from shuzheng.core import audit
from shuzheng.core.errors import (
    ApplicationError,
    ValidationFailed,
)
from shuzheng.core.imports import ImportReport, RowError
from shuzheng.core.spreadsheets import Table, XlsxSource, cell_text, column_text, read_sheets
from shuzheng.identity.actors import Actor

ITEM_SHEET: Final = "事项"
MATERIAL_SHEET: Final = "材料"
STEP_SHEET: Final = "环节"

#: 事项 columns: (version field, header); "_" fields are written on export and ignored on import.
ITEM_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("code", "实施编码"),
    ("name", "事项名称"),
    ("item_type", "事项类型"),
    ("department", "实施部门编码"),
    ("_department_name", "实施部门名称"),
    ("level", "实施层级"),
    ("applicant_types", "服务对象"),
    ("statutory_limit_days", "法定办结时限（工作日）"),
    ("promised_limit_days", "承诺办结时限（工作日）"),
    ("onsite_visits", "到现场次数"),
    ("handling_modes", "四办类型"),
    ("channels", "可申请渠道"),
    ("comprehensive_window", "一窗受理"),
    ("cross_region", "跨省通办"),
    ("exemptions", "四免"),
    ("high_frequency", "高频事项"),
    ("_charged", "是否收费"),
    ("fee_rules", "收费标准及依据"),
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("guide_groups", "主题分类"),
    ("keywords", "搜索关键词"),
    ("form_schema", "申请表（JSON Schema）"),
    ("_number", "版本号"),
    ("_status", "状态"),
    ("_valid_from", "生效日期"),
)
ITEM_REQUIRED: Final = ("实施编码", "事项名称", "事项类型", "实施部门编码", "实施层级")
MATERIAL_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("_item", "实施编码"),
    ("code", "材料编码"),
    ("name", "材料名称"),
    ("need", "必要性"),
    ("condition", "提交情形"),
    ("form", "材料形式"),
    ("copies", "份数"),
    ("pages", "页数"),
    ("is_key", "核心材料"),
    ("issued_by_government", "政府部门核发"),
    ("licence_type", "电子证照类型"),
)
MATERIAL_REQUIRED: Final = ("实施编码", "材料名称")
STEP_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("_item", "实施编码"),
    ("_position", "序号"),
    ("name", "环节名称"),
    ("role_code", "办理角色编码"),
    ("department_code", "办理部门编码"),
    ("time_limit_days", "环节时限（工作日）"),
)
STEP_REQUIRED: Final = ("实施编码", "环节名称", "环节时限（工作日）")

_ITEM_HEADER = dict(ITEM_COLUMNS)
_MATERIAL_HEADER = dict(MATERIAL_COLUMNS)
_STEP_HEADER = dict(STEP_COLUMNS)
_LIST_FIELDS: Final[dict[str, Any]] = {
    "applicant_types": ApplicantType,
    "handling_modes": HandlingMode,
    "channels": ApplyChannel,
    "exemptions": Exemption,
}
_BOOL_ITEM_FIELDS: Final = ("comprehensive_window", "cross_region", "high_frequency")
_INT_ITEM_FIELDS: Final = ("statutory_limit_days", "promised_limit_days", "onsite_visits")
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")
_YES: Final = {"是", "y", "yes", "true", "1", "√"}
_NO: Final = {"否", "n", "no", "false", "0", "", "×"}
_INDEXED = re.compile(r"^(materials|steps)\[(\d+)\](?:\.(\w+))?$")


# --- reading ----------------------------------------------------------------------------------------


def _columns(sheet: str, header: list[Any], known: Iterable[str], required: Iterable[str]) -> dict[str, int]:
    names = [cell_text(v) for v in header]
    columns = {name: i for i, name in enumerate(names) if name in set(known)}
    missing = [name for name in required if name not in columns]
    if missing:
        raise ValidationFailed(
            f"“{sheet}”表的表头缺少列：{'、'.join(missing)}",
            errors=[{"sheet": sheet, "row": 1, "field": name, "message": "缺少此列"} for name in missing],
            code="import_header",
        )
    return columns


class _RowParser:
    """Parses one sheet row into service fields, collecting errors with the row's coordinates."""

    def __init__(self, report: ImportReport, sheet: str, number: int) -> None:
        self.report = report
        self.sheet = sheet
        self.number = number
        self.ok = True

    def error(self, header: str, message: str) -> None:
        self.report.errors.append(RowError(self.number, header, message, sheet=self.sheet))
        self.ok = False

    def integer(self, header: str, text: str, *, blank: Any = None) -> Any:
        if text == "":
            return blank
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                number = None
            if number is not None and number.is_integer():
                return int(number)
        self.error(header, f"应为整数（现为“{text}”）")
        return None

    def boolean(self, header: str, text: str) -> bool:
        lowered = text.lower()
        if lowered in _YES:
            return True
        if lowered not in _NO:
            self.error(header, f"应填“是”或“否”（现为“{text}”）")
        return False

    def choice(self, header: str, text: str, choices: Any) -> str:
        """The value of a label or value; unknown text passes through for the service to report."""
        for value, label in choices.choices:
            if text in (value, label):
                return str(value)
        return text

    def choices(self, text: str, choices: Any) -> list[str]:
        return [self.choice("", part.strip(), choices) for part in _LIST_SPLIT.split(text) if part.strip()]


@dataclass
class _ItemRow:
    number: int
    code: str
    fields: dict[str, Any]
    material_rows: list[int] = field(default_factory=list)
    step_rows: list[int] = field(default_factory=list)


def _parse_items(table: Table, report: ImportReport) -> tuple[list[_ItemRow], set[str]]:
    """The valid rows, and every code the sheet names (bad rows included)."""
    columns = _columns(ITEM_SHEET, table[0][1], _ITEM_HEADER.values(), ITEM_REQUIRED)
    rows: list[_ItemRow] = []
    seen: dict[str, int] = {}
    for number, cells in table[1:]:
        parser = _RowParser(report, ITEM_SHEET, number)
        code = column_text(cells, columns, "实施编码")
        if code and code not in seen:
            seen[code] = number
        elif code:
            parser.error("实施编码", f"实施编码“{code}”与第{seen[code]}行重复")
            continue
        if not code:
            parser.error("实施编码", "实施编码不能为空")
            continue
        values: dict[str, Any] = {}
        for name, header in ITEM_COLUMNS:
            if header not in columns or name == "code" or (name.startswith("_") and name != "_charged"):
                continue
            text = column_text(cells, columns, header)
            if name in _LIST_FIELDS:
                values[name] = parser.choices(text, _LIST_FIELDS[name])
            elif name == "guide_groups":
                values[name] = [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()]
            elif name in _INT_ITEM_FIELDS:
                values[name] = parser.integer(header, text, blank=0 if name == "onsite_visits" else None)
            elif name in _BOOL_ITEM_FIELDS:
                values[name] = parser.boolean(header, text)
            elif name == "_charged":
                values["is_free"] = not parser.boolean(header, text)
            elif name == "item_type":
                values[name] = parser.choice(header, text, ItemType)
            elif name == "level":
                values[name] = parser.choice(header, text, ItemLevel)
            elif name == "form_schema":
                try:
                    values[name] = json.loads(text) if text else {}
                except ValueError:
                    parser.error(header, "不是有效的 JSON")
            else:
                values[name] = text
        if parser.ok:
            rows.append(_ItemRow(number, code, values))
    return rows, set(seen)


def _parse_children(
    sheets: dict[str, Table], report: ImportReport, items: dict[str, _ItemRow], known_codes: set[str]
) -> None:
    """Attach the 材料 and 环节 rows to their items (a sheet that is absent keeps what versions have)."""
    if sheets.get(MATERIAL_SHEET):
        table = sheets[MATERIAL_SHEET]
        columns = _columns(MATERIAL_SHEET, table[0][1], _MATERIAL_HEADER.values(), MATERIAL_REQUIRED)
        for row in items.values():
            row.fields["materials"] = []
        for number, cells in table[1:]:
            parser = _RowParser(report, MATERIAL_SHEET, number)
            code = column_text(cells, columns, "实施编码")
            target = items.get(code)
            if target is None:
                if code not in known_codes:
                    parser.error("实施编码", f"实施编码“{code}”不在“{ITEM_SHEET}”表中")
                continue
            material: dict[str, Any] = {}
            for name, header in MATERIAL_COLUMNS:
                if header not in columns or name.startswith("_"):
                    continue
                text = column_text(cells, columns, header)
                if name in ("copies", "pages"):
                    material[name] = parser.integer(header, text, blank=1 if name == "copies" else None)
                elif name in ("is_key", "issued_by_government"):
                    material[name] = parser.boolean(header, text) if text or name != "is_key" else True
                elif name == "need":
                    material[name] = parser.choice(header, text, MaterialNeed) or MaterialNeed.REQUIRED.value
                elif name == "form":
                    material[name] = parser.choice(header, text, MaterialForm) or MaterialForm.ORIGINAL.value
                else:
                    material[name] = text
            if parser.ok:
                target.fields["materials"].append(material)
                target.material_rows.append(number)
    if sheets.get(STEP_SHEET):
        table = sheets[STEP_SHEET]
        columns = _columns(STEP_SHEET, table[0][1], _STEP_HEADER.values(), STEP_REQUIRED)
        collected: dict[str, list[tuple[int, int, dict[str, Any]]]] = defaultdict(list)
        for number, cells in table[1:]:
            parser = _RowParser(report, STEP_SHEET, number)
            code = column_text(cells, columns, "实施编码")
            if code not in items:
                if code not in known_codes:
                    parser.error("实施编码", f"实施编码“{code}”不在“{ITEM_SHEET}”表中")
                continue
            position = parser.integer("序号", column_text(cells, columns, "序号"), blank=number)
            step = {
                "name": column_text(cells, columns, "环节名称"),
                "role_code": column_text(cells, columns, "办理角色编码"),
                "department_code": column_text(cells, columns, "办理部门编码") or None,
                "time_limit_days": parser.integer(
                    "环节时限（工作日）", column_text(cells, columns, "环节时限（工作日）")
                ),
            }
            if parser.ok:
                collected[code].append((position, number, step))
        for code, row in items.items():
            ordered = sorted(collected.get(code, []), key=lambda entry: (entry[0], entry[1]))
            row.fields["steps"] = [step for _, _, step in ordered]
            row.step_rows = [number for _, number, _ in ordered]


def _errors_of(exc: ApplicationError, row: _ItemRow) -> list[RowError]:
    """A service's field errors at their sheet, row and column."""
    if not exc.errors:
        return [RowError(row.number, "", exc.detail, sheet=ITEM_SHEET)]
    result = []
    for error in exc.errors:
        name = str(error.get("field", ""))
        message = str(error.get("message", ""))
        match = _INDEXED.match(name)
        if match:
            kind, index, attr = match.group(1), int(match.group(2)), match.group(3) or ""
            if kind == "materials" and index < len(row.material_rows):
                header = _MATERIAL_HEADER.get(attr, "")
                result.append(RowError(row.material_rows[index], header, message, sheet=MATERIAL_SHEET))
                continue
            if kind == "steps" and index < len(row.step_rows):
                header = _STEP_HEADER.get(attr, "")
                result.append(RowError(row.step_rows[index], header, message, sheet=STEP_SHEET))
                continue
        header = _ITEM_HEADER.get(name, "")
        if name == "is_free":
            header = "是否收费"
        elif name in ("materials", "steps") and not header:
            header = cleaning.FIELD_LABELS[name]
        result.append(RowError(row.number, header, message, sheet=ITEM_SHEET))
    return result


def _apply_row(row: _ItemRow, *, actor: Actor, publish: bool) -> tuple[str, bool]:
    """(created | updated | unchanged, published?) for one item row."""
    fields = cast(VersionFields, row.fields)  # the parsed columns, named as the services take them
    item = ServiceItem.objects.filter(code=row.code).select_related("live_version").first()
    if item is None:
        draft = versions.item_create(actor=actor, code=row.code, fields=fields)
        outcome = "created"
    else:
        cleaned = cleaning.clean_fields(dict(row.fields))
        existing = item.versions.filter(status=VersionStatus.DRAFT).first()
        if existing is not None:
            outcome = "unchanged" if content.matches(existing, cleaned) else "updated"
            draft = versions.version_update(actor=actor, version=existing, fields=fields)
        elif item.live_version is not None and content.matches(item.live_version, cleaned):
            return "unchanged", False
        else:
            base = selectors.draft_source(item)
            assert base is not None
            draft = versions.version_draft_from(actor=actor, version=base)
            draft = versions.version_update(actor=actor, version=draft, fields=fields)
            outcome = "updated"
    if publish:
        versions.version_publish(actor=actor, version=draft)
    return outcome, publish


def import_items_xlsx(file: XlsxSource, *, actor: Actor, publish: bool = False) -> ImportReport:
    """Create or update drafts from the 事项/材料/环节 sheets (see the module docstring); all-or-nothing."""
    sheets = read_sheets(file)
    report = ImportReport(unit="项")
    if not sheets.get(ITEM_SHEET):
        raise ValidationFailed(
            f"文件中没有“{ITEM_SHEET}”工作表，或该表是空的（第1行应为表头）。",
            errors=[{"sheet": ITEM_SHEET, "row": 0, "field": "", "message": "缺少“事项”工作表"}],
            code="import_empty",
        )
    rows, known_codes = _parse_items(sheets[ITEM_SHEET], report)
    items = {row.code: row for row in rows}
    _parse_children(sheets, report, items, known_codes)
    with transaction.atomic():
        for row in rows:
            try:
                with transaction.atomic():
                    outcome, published = _apply_row(row, actor=actor, publish=publish)
            except ApplicationError as exc:
                report.errors.extend(_errors_of(exc, row))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.published += int(published)
        report.errors.sort(key=lambda e: (e.sheet != ITEM_SHEET, e.sheet, e.row))
        if report.errors:
            transaction.set_rollback(True)
        elif report.created or report.updated or report.published:
            audit.record(
                actor=actor,
                action="catalog.item.import",
                subject_type="catalog.import",
                after={k: v for k, v in report.as_dict().items() if k != "errors"},
            )
    return report


# --- writing ----------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _joined(choices: Any, values: Iterable[str]) -> str:
    labels = dict(choices.choices)
    return "、".join(str(labels.get(v, v)) for v in values)


def _item_cells(version: ServiceItemVersion) -> list[Any]:
    values: dict[str, Any] = {
        "code": version.code,
        "name": version.name,
        "item_type": version.get_item_type_display(),
        "department": version.department.code,
        "_department_name": version.department.name,
        "level": version.get_level_display(),
        "statutory_limit_days": version.statutory_limit_days,
        "promised_limit_days": version.promised_limit_days,
        "onsite_visits": version.onsite_visits,
        "_charged": _yes_no(not version.is_free),
        "fee_rules": version.fee_rules,
        "legal_basis": version.legal_basis,
        "conditions": version.conditions,
        "guide_groups": "、".join(sorted(g.code for g in version.guide_groups.all())),
        "keywords": version.keywords,
        "form_schema": json.dumps(version.form_schema, ensure_ascii=False) if version.form_schema else "",
        "_number": version.number,
        "_status": version.get_status_display(),
        "_valid_from": version.valid_from.isoformat() if version.valid_from else "",
    }
    for name, choices in _LIST_FIELDS.items():
        values[name] = _joined(choices, getattr(version, name))
    for name in _BOOL_ITEM_FIELDS:
        values[name] = _yes_no(getattr(version, name))
    return [values[name] for name, _ in ITEM_COLUMNS]


def export_items_xlsx(*, user: Actor) -> bytes:
    """The current version of each item in the user's scope (its draft if any, else the live one); the
    platform itself (`SYSTEM`) exports every item."""
    workbook = Workbook()
    items = workbook.active
    assert items is not None
    items.title = ITEM_SHEET
    materials = workbook.create_sheet(MATERIAL_SHEET)
    steps = workbook.create_sheet(STEP_SHEET)
    items.append([h for _, h in ITEM_COLUMNS])
    materials.append([h for _, h in MATERIAL_COLUMNS])
    steps.append([h for _, h in STEP_COLUMNS])
    for version in selectors.versions_for_export(user=user).iterator(chunk_size=500):
        items.append(_item_cells(version))
        for m in version.materials.all():
            materials.append(
                [
                    version.code,
                    m.code,
                    m.name,
                    m.get_need_display(),
                    m.condition,
                    m.get_form_display(),
                    m.copies,
                    m.pages if m.pages is not None else "",
                    _yes_no(m.is_key),
                    _yes_no(m.issued_by_government),
                    m.licence_type,
                ]
            )
        for s in version.steps.all():
            steps.append(
                [
                    version.code,
                    s.position,
                    s.name,
                    s.role_code,
                    s.department.code if s.department_id and s.department else "",
                    s.time_limit_days,
                ]
            )
    for sheet in (items, materials, steps):
        _finish(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _finish(sheet: Any) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula
                cell.number_format = "@"
    for index in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    sheet.freeze_panes = "A2"
