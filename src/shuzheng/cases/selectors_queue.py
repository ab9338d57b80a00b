"""The staff queue's SQL, written here instead of built by the ORM on every request (issue 14).

`selectors.case_queue` and `selectors.case_queue_rows` decide who sees what (scope, filters, validation);
this module only turns that into SQL: the page's keys from narrow rows (an index scan of the scope's
columns, sorted by (due_at, id), stopped at the page), and — for the API — those rows with the columns a
queue row shows, read after the LIMIT, in one statement. Building and compiling the two ORM querysets
was about half of a queue request's CPU (bench/README.md). Table and column names come from the models'
meta; values are parameters; each value read goes through the same converters the ORM applies (so an
encrypted or SQLite-stored column reads as through a queryset). On PostgreSQL the statements are
prepared once per connection (`selectors_detail.prepared_cursor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from shuzheng.cases.models import Case
from shuzheng.cases.selectors_detail import prepared_cursor

#: What a queue row shows, as (name in the row, path from the case): the case's own columns, and the
#: related ones under names of their own.
ROW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("number", "number"),
    ("version_id", "version_id"),
    ("department_id", "department_id"),
    ("channel", "channel"),
    ("status", "status"),
    ("received_at", "received_at"),
    ("accepted_at", "accepted_at"),
    ("due_at", "due_at"),
    ("concluded_at", "concluded_at"),
    ("applicant_kind", "applicant_kind"),
    ("applicant_name", "applicant_name"),
    ("applicant_id", "applicant_id"),
    ("submitted_by_id", "submitted_by_id"),
    ("lock_version", "lock_version"),
    ("item_code", "version__code"),
    ("item_name", "version__name"),
    ("department_name", "department__name"),
    ("division_code", "division__code"),
    ("current_step_name", "current_step__name"),
    ("acting_user_name", "acting_user__full_name"),
)


@dataclass(frozen=True)
class QueueQuery:
    """One page of the queue, as the selector resolved it."""

    #: (case column, a statement selecting the ids a grant allows there, its parameters): a case is in
    #: scope when one of its columns holds one of them (none: no case is); None: every case.
    units: list[tuple[str, str, list[Any]]] | None
    statuses: list[str]
    #: the other filters' WHERE, compiled by the ORM (only when a filter other than status is given).
    extra: tuple[str, list[Any]] | None
    #: the (due_at, id) of the row the page starts after.
    after: tuple[datetime, int] | None
    limit: int


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: type[Model], name: str) -> Field[Any, Any]:
    return model._meta.pk if name == "id" else model._meta.get_field(name)  # type: ignore[return-value]


def _where(query: QueueQuery) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if query.units is not None:
        ors = []
        for column, ids, values in query.units:
            ors.append(f"{_q(column)} IN ({ids})")
            params.extend(values)
        parts.append(f"({' OR '.join(ors)})")
    status, due_at, pk = (_q(_column(Case, name).column) for name in ("status", "due_at", "id"))
    parts.append(f"{status} IN ({', '.join(['%s'] * len(query.statuses))})")
    params.extend(query.statuses)
    parts.append(f"{due_at} IS NOT NULL")
    if query.extra is not None:
        parts.append(f"({query.extra[0]})")
        params.extend(query.extra[1])
    if query.after is not None:
        # As core.pagination's keyset condition: the bound on due_at alone is what an index seeks to.
        at = connection.ops.adapt_datetimefield_value(query.after[0])
        parts.append(f"{due_at} >= %s AND ({due_at} > %s OR ({due_at} = %s AND {pk} > %s))")
        params.extend([at, at, at, query.after[1]])
    return " AND ".join(parts), params


def _keys(query: QueueQuery) -> tuple[str, list[Any]]:
    """The page's (id, due_at), one more than the limit (whether there is a next page)."""
    where, params = _where(query)
    due_at, pk = (_q(_column(Case, name).column) for name in ("due_at", "id"))
    table = _q(Case._meta.db_table)
    sql = f"SELECT {pk}, {due_at} FROM {table} WHERE {where} ORDER BY {due_at}, {pk} LIMIT %s"  # noqa: S608
    return sql, [*params, query.limit + 1]


def page_keys(query: QueueQuery) -> list[tuple[int, datetime]]:
    """(id, due_at) of the page's rows and of the first row after it, if any, in queue order."""
    if query.units is not None and not query.units:
        return []
    sql, params = _keys(query)
    converters = _converters(connection.vendor)[1]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), _convert(due_at, converters)) for pk, due_at in cursor.fetchall()]


def page_rows(query: QueueQuery) -> list[dict[str, Any]]:
    """The page's rows (and the first one after it, if any) with `ROW_COLUMNS`, in queue order: the
    keys' statement as a subquery (its LIMIT keeps it apart: the rows are read after it, by key)."""
    if query.units is not None and not query.units:
        return []
    keys, params = _keys(query)
    due_at, pk = (_q(_column(Case, name).column) for name in ("due_at", "id"))
    sql = (
        f"SELECT {_row_select(connection.vendor)} FROM ({keys}) page "  # noqa: S608
        f"INNER JOIN {_q(Case._meta.db_table)} c ON c.{pk} = page.{pk} "
        f"ORDER BY page.{due_at}, page.{pk}"
    )
    names = [name for name, _ in ROW_COLUMNS]
    converted = [
        (name, found) for name, found in zip(names, _converters(connection.vendor)[0], strict=True) if found
    ]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # only the columns that have converters (none on PostgreSQL but encrypted ones)
        for name, found in converted:
            row[name] = _convert(row[name], found)
    return rows


def _convert(value: Any, converters: list[Any]) -> Any:
    for converter, expression in converters:
        value = converter(value, expression, connection)
    return value


@lru_cache(maxsize=4)
def _row_select(vendor: str) -> str:
    """The select list for `ROW_COLUMNS`: a related column as a scalar subquery by primary key (NULL where
    the foreign key is), not a join: PostgreSQL planned the six-table join for 1.6–1.9 ms, longer than it
    ran, and plans these in 0.3 ms (bench/README.md)."""
    del vendor  # one cache entry per database kind: quoting is the backend's
    columns: list[str] = []
    for _name, path in ROW_COLUMNS:
        relation, _, attname = path.rpartition("__")
        if not relation:
            columns.append(f"c.{_q(_column(Case, path).column)}")
            continue
        fk: Any = Case._meta.get_field(relation)
        target: type[Model] = fk.related_model
        columns.append(
            f"(SELECT r.{_q(_column(target, attname).column)} FROM {_q(target._meta.db_table)} r "  # noqa: S608
            f"WHERE r.{_q(_column(target, 'id').column)} = c.{_q(fk.column)})"
        )
    return ", ".join(columns)


@lru_cache(maxsize=4)
def _converters(vendor: str) -> tuple[list[list[Any]], list[Any]]:
    """For each of `ROW_COLUMNS`, and for the due_at of the keys, what the ORM applies to a value read
    (backend converters, then the field's own, e.g. a decryption), with the expression they take."""
    del vendor

    def of(model: type[Model], name: str) -> list[Any]:
        col = _column(model, name).get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        return [(converter, col) for converter in found]

    rows = []
    for _name, path in ROW_COLUMNS:
        relation, _, attname = path.rpartition("__")
        model: type[Model] = Case._meta.get_field(relation).related_model if relation else Case  # type: ignore[assignment]
        rows.append(of(model, attname or path))
    return rows, of(Case, "due_at")
