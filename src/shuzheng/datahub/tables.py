"""Physical tables behind table mounts (`datahub_t_<entry id>`), built from an entry's data items.

A throw-away unmanaged model class (in its own app registry, so nothing leaks into Django's) describes
the table; Django's schema editor creates and alters it, and the ORM reads and writes it, so every value
travels as a bound parameter and every identifier comes from a validated data-item name.

Each table has two platform columns: ``_row_id`` (primary key) and ``_loaded_at`` (when the row was
written), besides one nullable column per data item.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.apps.registry import Apps
from django.db import connection, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from shuzheng.datahub.models import CatalogEntry, DataItem, DataType

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ROW_ID = "_row_id"
LOADED_AT = "_loaded_at"
#: Names the platform reserves (its own columns, and words that would confuse query strings).
_TABLE = re.compile(r"^datahub_t_[0-9]{1,18}$")
RESERVED = frozenset({"id", "pk", "cursor", "limit", "sort", "fields", "purpose", "objects"})


def table_name(entry: CatalogEntry | int) -> str:
    pk = entry if isinstance(entry, int) else entry.pk
    return f"datahub_t_{int(pk)}"


def _column(item: DataItem) -> models.Field[Any, Any]:
    kind = item.data_type
    kwargs: dict[str, Any] = {"null": True, "blank": True, "db_index": item.is_key, "db_column": item.name}
    if kind == DataType.INTEGER:
        return models.BigIntegerField(**kwargs)
    if kind == DataType.DECIMAL:
        return models.DecimalField(max_digits=24, decimal_places=6, **kwargs)
    if kind == DataType.DATE:
        return models.DateField(**kwargs)
    if kind == DataType.DATETIME:
        return models.DateTimeField(**kwargs)
    if kind == DataType.BOOLEAN:
        return models.BooleanField(**kwargs)
    return models.TextField(**kwargs)


def build_model(entry: CatalogEntry, items: list[DataItem] | None = None) -> Any:
    """The model class of an entry's table (mounted items only unless ``items`` is given).

    Classes are cached by table and column signature, so a data-service request does not build one.
    """
    if items is None:
        items = [i for i in entry.items.all() if i.mounted]
    signature = tuple((i.name, i.data_type, i.is_key) for i in items)
    return _model(int(entry.pk), signature)


@lru_cache(maxsize=512)
def _model(pk: int, signature: tuple[tuple[str, str, bool], ...]) -> Any:
    items = [DataItem(name=name, data_type=data_type, is_key=is_key) for name, data_type, is_key in signature]
    attrs: dict[str, Any] = {
        "__module__": "shuzheng.datahub.tables",
        ROW_ID: models.BigAutoField(primary_key=True, db_column=ROW_ID),
        LOADED_AT: models.DateTimeField(null=True, db_column=LOADED_AT, db_index=True),
    }
    for item in items:
        if not IDENTIFIER.match(item.name) or item.name in RESERVED:
            raise ValueError(f"invalid column name {item.name!r}")
        attrs[item.name] = _column(item)
    meta = type(
        "Meta",
        (),
        {"app_label": "datahub_tables", "db_table": table_name(pk), "managed": False, "apps": Apps()},
    )
    attrs["Meta"] = meta
    return type(f"Table{pk}", (models.Model,), attrs)


def _schema(change: Callable[[BaseDatabaseSchemaEditor], None]) -> None:
    """Run a schema change inside the caller's transaction on both backends.

    SQLite's schema editor refuses to start inside ``atomic()`` (it wants to switch foreign-key checks
    off, which SQLite cannot do mid-transaction); our tables have no foreign keys, so the statements it
    would run are collected and executed directly. PostgreSQL has transactional DDL and uses the
    editor as it is.
    """
    if connection.vendor != "sqlite":
        with connection.schema_editor() as editor:
            change(editor)
        return
    editor = connection.schema_editor(collect_sql=True, atomic=False)
    editor.collected_sql = []
    editor.deferred_sql = []
    change(editor)
    statements = [*editor.collected_sql, *(str(s) for s in editor.deferred_sql)]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _index_sql(editor: BaseDatabaseSchemaEditor, model: Any, fields: list[Any]) -> list[str]:
    """CREATE INDEX statements for the indexed columns (key items, ``_loaded_at``) among ``fields``.

    The schema editor skips ``db_index`` for unmanaged models, so the table's indexes are made here.
    """
    create = editor._create_index_sql  # type: ignore[attr-defined]
    return [str(create(model, fields=[f])) for f in fields if f.db_index and not f.unique]


def create_table(entry: CatalogEntry, items: list[DataItem]) -> None:
    model = build_model(entry, items)

    def change(editor: BaseDatabaseSchemaEditor) -> None:
        editor.create_model(model)
        for statement in _index_sql(editor, model, list(model._meta.local_fields)):
            editor.execute(statement)

    _schema(change)


def ensure_indexes(entry: CatalogEntry) -> list[str]:
    """Create the missing indexes of a mounted table (key items and ``_loaded_at``), e.g. for tables
    made before the platform indexed them; returns the indexed column names. Idempotent."""
    model = build_model(entry)
    with connection.cursor() as cursor:
        existing = connection.introspection.get_constraints(cursor, model._meta.db_table)
    indexed = {tuple(c["columns"]) for c in existing.values() if c.get("index") or c.get("primary_key")}
    missing = [f for f in model._meta.local_fields if f.db_index and (f.column,) not in indexed]
    if missing:

        def change(editor: BaseDatabaseSchemaEditor) -> None:
            for statement in _index_sql(editor, model, missing):
                editor.execute(statement)

        _schema(change)
    return [f.column for f in missing]


def add_columns(entry: CatalogEntry, items: list[DataItem]) -> None:
    current = build_model(entry)

    def change(editor: BaseDatabaseSchemaEditor) -> None:
        for item in items:
            field = _column(item)
            field.set_attributes_from_name(item.name)
            field.model = current
            editor.add_field(current, field)  # adds the column's index itself when it is a key

    _schema(change)


def drop_table(entry: CatalogEntry) -> None:
    model = build_model(entry, [])
    _schema(lambda editor: editor.delete_model(model))


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        return name in connection.introspection.table_names(cursor)


def count_rows(entry: CatalogEntry) -> int:
    return build_model(entry).objects.count()


def json_value(value: Any) -> Any:
    """A column value as JSON: dates ISO 8601, decimals as strings without trailing zeros."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def quote(name: str) -> str:
    """A quoted identifier; only validated data-item names and platform columns get here."""
    if not (IDENTIFIER.match(name) or name in (ROW_ID, LOADED_AT) or _TABLE.match(name)):
        raise ValueError(f"refusing identifier {name!r}")
    return connection.ops.quote_name(name)
