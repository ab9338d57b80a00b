"""Writes of the registries: one row saved or deleted from the workbench, or a whole xlsx imported.

Every write is audited in its transaction. An import reads every row first; if any row is bad the report
lists each one (Excel row, column, Chinese message) and nothing is written; otherwise all rows are created
or updated (matched by the registry's key) in one transaction, with one audit event for the import.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Model
from django.forms.models import model_to_dict

from shuzheng.core import audit
from shuzheng.core.errors import PermissionDenied
from shuzheng.core.imports import ImportReport, RowError
from shuzheng.core.spreadsheets import XlsxSource, cell_text, read_sheets
from shuzheng.identity.actors import Actor, is_user
from shuzheng.identity.scopes import data_scope_for
from shuzheng.indicators.constants import REGISTRY_PERM
from shuzheng.indicators.models import VillageCriterion
from shuzheng.indicators.registry_specs import Column, Spec
from shuzheng.orgs import selectors as orgs_selectors

TRUE_WORDS = {"是", "达到", "true", "1", "y", "yes"}
FALSE_WORDS = {"否", "未达到", "false", "0", "n", "no"}
BATCH = 2000


def _snapshot(obj: Model) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in model_to_dict(obj).items()}


def require_registry_perm(actor: Actor, department: Any = None) -> None:
    """The actor keeps registries (``indicators.manage_registry``), over ``department`` when one is named."""
    if not is_user(actor):
        return  # the platform (demo load, commands)
    if not actor.has_perm(REGISTRY_PERM):
        raise PermissionDenied("没有维护指标登记数据的权限（indicators.manage_registry）。")
    if department is not None and not data_scope_for(actor, REGISTRY_PERM).covers_department(department):
        raise PermissionDenied(f"“{department.name}”不在您维护登记数据的范围内。")


def registry_save(
    *, actor: Actor, spec: Spec, obj: Model, created: bool, before: dict[str, Any] | None
) -> Model:
    """Save a row edited in the workbench (validated by its form) with its audit event."""
    require_registry_perm(actor, getattr(obj, "department", None))
    with transaction.atomic():
        if is_user(actor) and hasattr(obj, "recorded_by"):
            obj.recorded_by = actor
        obj.save()
        audit.record(
            actor=actor,
            action=f"indicators.{spec.model._meta.model_name}.{'create' if created else 'update'}",
            subject=obj,
            before=before,
            after=_snapshot(obj),
        )
    return obj


def reference_save(
    *, actor: Actor, form: forms.ModelForm, created: bool, before: dict[str, Any] | None
) -> Model:
    """Save a reference list row — a government sector (11) or a digital-village criterion (22) — from its
    validated form, many-to-many fields included, with its audit event."""
    require_registry_perm(actor)
    with transaction.atomic():
        obj = form.save()
        audit.record(
            actor=actor,
            action=f"indicators.{obj._meta.model_name}.{'create' if created else 'update'}",
            subject=obj,
            before=before,
            after={
                **_snapshot(obj),
                **{
                    k: [str(v) for v in form.cleaned_data[k]] for k in form.cleaned_data if k == "departments"
                },
            },
        )
    return obj


def registry_delete(*, actor: Actor, spec: Spec, obj: Model) -> None:
    require_registry_perm(actor, getattr(obj, "department", None))
    with transaction.atomic():
        before = _snapshot(obj)
        subject_id = str(obj.pk)
        obj.delete()
        audit.record(
            actor=actor,
            action=f"indicators.{spec.model._meta.model_name}.delete",
            subject_type=spec.model._meta.label_lower,
            subject_id=subject_id,
            before=before,
        )


# --- import -----------------------------------------------------------------------------------------


class _Lookups:
    """Departments, divisions and criteria named in the file, loaded once."""

    def __init__(self, spec: Spec, rows: list[tuple[int, list[Any]]], index: dict[str, int]) -> None:
        def codes(kind: str) -> list[str]:
            found = [c for c in spec.columns if c.kind == kind]
            return [cell_text(cells[index[c.header]]) for c in found for _, cells in rows if c.header in index
                    if index[c.header] < len(cells)]  # fmt: skip

        self.departments = orgs_selectors.departments_by_code([c.upper() for c in codes("department")])
        self.divisions = orgs_selectors.divisions_by_code(codes("division"))
        self.criteria = {c.code: c for c in VillageCriterion.objects.filter(code__in=codes("criterion"))}


def _parse(column: Column, text: str, spec: Spec, lookups: _Lookups) -> tuple[Any, str]:
    """(value, error message)."""
    if not text:
        if column.required:
            return None, f"{column.header}不能为空"
        return ("" if column.kind == "text" else None), ""
    if column.kind == "text":
        return (text, "") if len(text) <= column.max_length else (None, f"不能超过{column.max_length}个字")
    if column.kind == "date":
        try:
            return date.fromisoformat(text[:10]), ""
        except ValueError:
            return None, f"“{text}”不是有效日期，应为 YYYY-MM-DD"
    if column.kind == "int":
        if not text.isdigit() or len(text) > 12:
            return None, f"“{text}”应为不小于0的整数"
        return int(text), ""
    if column.kind == "bool":
        low = text.lower()
        if low in TRUE_WORDS or low in FALSE_WORDS:
            return low in TRUE_WORDS, ""
        return None, f"“{text}”应为“是”或“否”"
    if column.kind == "choice":
        for value, label in column.choices:
            if text in (value, label):
                return value, ""
        return None, f"“{text}”不是可选值（{'、'.join(label for _, label in column.choices)}）"
    if column.kind == "department":
        department = lookups.departments.get(text.upper())
        return (department, "") if department is not None else (None, f"部门编码“{text}”不存在")
    if column.kind == "division":
        division = lookups.divisions.get(text)
        if division is None:
            return None, f"区划代码“{text}”不存在"
        if spec.division_level and division.level != spec.division_level:
            return None, f"“{division.name}”不是村（社区）"
        return division, ""
    criterion = lookups.criteria.get(text)
    return (criterion, "") if criterion is not None else (None, f"评定标准编码“{text}”不存在")


def _stored(obj: Model, name: str) -> Any:
    """A field's stored value; a foreign key's id (reading the related row would cost a query per row)."""
    field = obj._meta.get_field(name)
    return getattr(obj, getattr(field, "attname", name))


def _key(spec: Spec, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(getattr(row[k], "pk", row[k]) for k in spec.key)


def read_rows(
    *, actor: Actor, spec: Spec, file: XlsxSource
) -> tuple[list[tuple[int, dict[str, Any]]], ImportReport]:
    """Every row of the file's first sheet parsed, or the report of every bad one."""
    report = ImportReport()
    sheets = read_sheets(file)
    table = next(iter(sheets.values()), [])
    if not table:
        report.errors.append(RowError(0, "", "文件中没有数据"))
        return [], report
    header_row, header_cells = table[0]
    index = {cell_text(v): i for i, v in enumerate(header_cells) if cell_text(v)}
    for column in spec.columns:
        if column.required and column.header not in index:
            report.errors.append(RowError(header_row, column.header, f"缺少“{column.header}”列"))
    if report.errors:
        return [], report
    body = table[1:]
    lookups = _Lookups(spec, body, index)
    scope = data_scope_for(actor, REGISTRY_PERM) if is_user(actor) else None
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for number, cells in body:
        row: dict[str, Any] = {}
        bad = False
        for column in spec.columns:
            position = index.get(column.header)
            text = cell_text(cells[position]) if position is not None and position < len(cells) else ""
            value, message = _parse(column, text, spec, lookups)
            if message:
                report.errors.append(RowError(number, column.header, message))
                bad = True
            row[column.field] = value
        if bad:
            continue
        for header, message in [m for check in spec.checks for m in check(row)]:
            report.errors.append(RowError(number, header, message))
            bad = True
        department = row.get("department")
        if scope is not None and department is not None and not scope.covers_department(department):
            report.errors.append(RowError(number, "部门", f"“{department.name}”不在您维护登记数据的范围内"))
            bad = True
        key = _key(spec, row)
        if key in seen:
            report.errors.append(RowError(number, spec.column(spec.key[0]).header, f"与第{seen[key]}行重复"))
            bad = True
        seen.setdefault(key, number)
        if not bad:
            parsed.append((number, row))
    return parsed, report


def registry_import(*, actor: Actor, spec: Spec, file: XlsxSource, source_document: str = "") -> ImportReport:
    """Import a registry from xlsx: all rows or none (see the module)."""
    require_registry_perm(actor)
    rows, report = read_rows(actor=actor, spec=spec, file=file)
    if not report.ok:
        return report
    return registry_apply(
        actor=actor, spec=spec, rows=[row for _, row in rows], source_document=source_document
    )


def registry_apply(
    *, actor: Actor, spec: Spec, rows: list[dict[str, Any]], source_document: str = ""
) -> ImportReport:
    """Create or update checked rows (matched by the registry's key) in one transaction, one audit event."""
    report = ImportReport()
    model = spec.model
    fields = [c.field for c in spec.columns]
    recorded_by = actor if is_user(actor) else None
    with transaction.atomic():
        existing = {tuple(_stored(obj, k) for k in spec.key): obj for obj in model._default_manager.all()}
        to_create, to_update = [], []
        for row in rows:
            obj = existing.get(_key(spec, row))
            if obj is None:
                to_create.append(model(**row, source_document=source_document, recorded_by=recorded_by))
                continue
            if all(_stored(obj, f) == getattr(row[f], "pk", row[f]) for f in fields):
                report.unchanged += 1
                continue
            for f in fields:
                setattr(obj, f, row[f])
            obj.source_document = source_document  # type: ignore[attr-defined]
            obj.recorded_by = recorded_by  # type: ignore[attr-defined]
            to_update.append(obj)
        model._default_manager.bulk_create(to_create, batch_size=BATCH)
        model._default_manager.bulk_update(
            to_update, [*fields, "source_document", "recorded_by"], batch_size=BATCH
        )
        report.created, report.updated = len(to_create), len(to_update)
        audit.record(
            actor=actor,
            action=f"indicators.{model._meta.model_name}.import",
            subject_type=model._meta.label_lower,
            subject_id=spec.slug,
            after={"source_document": source_document, **report.as_dict()},
        )
    return report
