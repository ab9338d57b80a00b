"""Gap-free per-key counters (case and appeal numbers) in one statement.

`increment` runs ``INSERT ... ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value``
(PostgreSQL, SQLite ≥ 3.35): the first caller of a key creates its row, later ones wait on that row's
lock until the holder commits, and there is no read-then-write window or creation race to retry. The
key columns must carry a unique constraint.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Field, Model


def increment(model: type[Model], *, value_field: str = "last_value", **key: Any) -> int:
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    fields: list[Field[Any, Any]] = [meta.get_field(name) for name in key]  # type: ignore[misc]
    columns = [quote(str(field.column)) for field in fields]
    value = quote(str(meta.get_field(value_field).column))  # type: ignore[union-attr]
    params = [field.get_db_prep_value(key[field.name], connection) for field in fields]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, {value}) VALUES ({', '.join(['%s'] * len(columns))}, 1) "  # noqa: S608 - identifiers from model metadata
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {value} = {table}.{value} + 1 RETURNING {value}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0])
