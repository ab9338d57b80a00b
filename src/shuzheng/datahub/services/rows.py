"""Rows of mounted tables: file and JSON loads (all rows or none), edits and deletes, each logged as a
RowChange with the row's SM3 digest."""

from __future__ import annotations

import json
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.crypto import sm3_hex
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.imports import RowError
from shuzheng.datahub import loading, tables
from shuzheng.datahub.models import (
    CatalogEntry,
    RowChange,
)
from shuzheng.datahub.services import (
    PERM_LOAD,
    require,
    user_of,
)
from shuzheng.identity.actors import Actor

BATCH: Final = 1000


def _row_digest(values: dict[str, Any]) -> str:
    canonical = json.dumps(
        {k: tables.json_value(v) for k, v in sorted(values.items())},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return sm3_hex(canonical.encode())


def _mounted(entry: CatalogEntry) -> CatalogEntry:
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    if not entry.is_mounted_table:
        raise Conflict("该资源尚未挂接库表", code="not_mounted")
    return entry


def _refresh_count(entry: CatalogEntry, *, loaded: bool) -> None:
    entry.row_count = tables.count_rows(entry)
    fields = ["row_count", "updated_at"]
    if loaded:
        entry.last_loaded_at = timezone.now()
        fields.append("last_loaded_at")
    entry.save(update_fields=fields)


def _insert(
    entry: CatalogEntry,
    model: Any,
    rows: list[dict[str, Any]],
    *,
    actor: Actor,
    source: str,
    audit_rows: bool,
) -> int:
    now = timezone.now()
    written = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        objs = model.objects.bulk_create([model(_loaded_at=now, **row) for row in chunk])
        if audit_rows:
            ids = [o.pk for o in objs]
            if any(i is None for i in ids):  # backends without RETURNING on bulk insert
                ids = list(
                    model.objects.filter(_loaded_at=now)
                    .order_by("-_row_id")
                    .values_list("_row_id", flat=True)[: len(chunk)]
                )[::-1]
            RowChange.objects.bulk_create(
                [
                    RowChange(
                        entry=entry,
                        row_id=row_id,
                        action=RowChange.Action.INSERT,
                        actor=user_of(actor),
                        source=source,
                        row_sm3=_row_digest(row),
                    )
                    for row_id, row in zip(ids, chunk, strict=True)
                ]
            )
        written += len(chunk)
    return written


def _load_errors(errors: list[RowError], total_label: str) -> ValidationFailed:
    shown = "；".join(str(e) for e in errors[:5])
    more = f"等 {len(errors)} 处" if len(errors) > 5 else ""
    return ValidationFailed(
        f"{total_label}有错误{more}，未写入任何数据：{shown}",
        errors=[e.as_dict() for e in errors],
        code="rows_invalid",
    )


@transaction.atomic
def rows_load_file(
    *, actor: Actor, entry: CatalogEntry, filename: str, content: bytes, replace: bool = False
) -> dict[str, Any]:
    """Load a CSV (UTF-8/GB18030) or xlsx upload into the mounted table: all rows or none.

    ``replace`` deletes the current rows first (each logged as a delete). Returns counts.
    """
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    lower = (filename or "").lower()
    if lower.endswith(".csv"):
        headers, raw_rows = loading.read_csv(content)
    elif lower.endswith(".xlsx"):
        headers, raw_rows = loading.read_xlsx(content)
    else:
        raise ValidationFailed.for_field("file", "只支持 .csv 和 .xlsx 文件", code="bad_file_type")
    max_rows = int(getattr(settings, "SHUZHENG_DATA_UPLOAD_MAX_ROWS", 200000))
    if len(raw_rows) > max_rows:
        raise ValidationFailed.for_field("file", f"单次最多装载 {max_rows} 行（本文件 {len(raw_rows)} 行）")
    items = [i for i in entry.items.all() if i.mounted]
    columns = loading.match_headers(headers, items)
    rows, errors = loading.convert_rows(columns, raw_rows)
    if errors:
        raise _load_errors(errors, "文件")
    return _write_rows(entry, rows, actor=actor, source="file", replace=replace, label=filename)


@transaction.atomic
def rows_insert(
    *,
    actor: Actor,
    entry: CatalogEntry,
    rows: list[Any],
    replace: bool = False,
    audit_rows: bool = True,
    source: str = "api",
) -> dict[str, Any]:
    """Insert JSON rows (objects keyed by field name): all or none."""
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed.for_field("rows", "rows 应为非空数组")
    items = [i for i in entry.items.all() if i.mounted]
    typed, errors = loading.convert_json_rows(items, rows)
    if errors:
        raise _load_errors(errors, "数据")
    return _write_rows(
        entry, typed, actor=actor, source=source, replace=replace, label="", audit_rows=audit_rows
    )


def _write_rows(
    entry: CatalogEntry,
    rows: list[dict[str, Any]],
    *,
    actor: Actor,
    source: str,
    replace: bool,
    label: str,
    audit_rows: bool = True,
) -> dict[str, Any]:
    model = tables.build_model(entry)
    deleted = 0
    if replace:
        if audit_rows:
            ids = list(model.objects.values_list("_row_id", flat=True))
            RowChange.objects.bulk_create(
                [
                    RowChange(
                        entry=entry,
                        row_id=i,
                        action=RowChange.Action.DELETE,
                        actor=user_of(actor),
                        source=source,
                    )
                    for i in ids
                ],
                batch_size=BATCH,
            )
        deleted = model.objects.all().delete()[0]
    inserted = _insert(entry, model, rows, actor=actor, source=source, audit_rows=audit_rows)
    _refresh_count(entry, loaded=True)
    result = {"inserted": inserted, "deleted": deleted, "row_count": entry.row_count}
    audit.record(
        actor=actor,
        action="datahub.rows.load",
        subject=entry,
        after={**result, "source": source, "file": label[:100]},
    )
    return result


@transaction.atomic
def row_update(*, actor: Actor, entry: CatalogEntry, row_id: int, values: dict[str, Any]) -> dict[str, Any]:
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    items = {i.name: i for i in entry.items.all() if i.mounted}
    model = tables.build_model(entry)
    obj = model.objects.filter(_row_id=row_id).first()
    if obj is None:
        raise NotFound("数据行不存在")
    errs = FieldErrors()
    for key, raw in values.items():
        item = items.get(key)
        if item is None:
            errs.add(key, f"“{key}”不是本资源的信息项")
            continue
        try:
            setattr(obj, key, loading.convert(item, raw))
        except ValueError as exc:
            errs.add(key, f"{item.label}：{exc}")
    errs.raise_if_any()
    obj._loaded_at = timezone.now()
    obj.save()
    row = {name: getattr(obj, name) for name in items}
    RowChange.objects.create(
        entry=entry,
        row_id=row_id,
        action=RowChange.Action.UPDATE,
        actor=user_of(actor),
        source="api",
        row_sm3=_row_digest(row),
    )
    entry.last_loaded_at = timezone.now()
    entry.save(update_fields=["last_loaded_at", "updated_at"])
    audit.record(
        actor=actor,
        action="datahub.rows.update",
        subject=entry,
        after={"row_id": row_id, "fields": sorted(values)},
    )
    return {"_row_id": row_id, **{k: tables.json_value(v) for k, v in row.items()}}


@transaction.atomic
def row_delete(*, actor: Actor, entry: CatalogEntry, row_id: int) -> None:
    entry = _mounted(entry)
    require(actor, PERM_LOAD, entry.department)
    model = tables.build_model(entry)
    deleted = model.objects.filter(_row_id=row_id).delete()[0]
    if not deleted:
        raise NotFound("数据行不存在")
    RowChange.objects.create(
        entry=entry, row_id=row_id, action=RowChange.Action.DELETE, actor=user_of(actor), source="api"
    )
    _refresh_count(entry, loaded=False)
    audit.record(actor=actor, action="datahub.rows.delete", subject=entry, after={"row_id": row_id})
