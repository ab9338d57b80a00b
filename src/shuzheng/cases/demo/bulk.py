"""Writing generated cases fast: fresh ids, PostgreSQL ``COPY`` or SQLite ``bulk_create``, and the case
number counters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any, Final

from django.db import connection

from shuzheng.cases.models import Case, CaseSequence, CaseStatusChange

CASE_COLUMNS: Final = (
    "id",
    "created_at",
    "updated_at",
    "number",
    "channel",
    "target_region",
    "target_region_name",
    "remote_reference",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_id_index",
    "applicant_uscc",
    "applicant_mobile",
    "applicant_name_index",
    "idempotency_key",
    "status",
    "form_data",
    "received_at",
    "accepted_at",
    "concluded_at",
    "clock_start",
    "paused_working_days",
    "paused_since",
    "due_at",
    "decision",
    "decision_reasons",
    "decision_legal_basis",
    "decided_at",
    "delivery_method",
    "delivered_at",
    "result_file",
    "lock_version",
    "acting_user_id",
    "applicant_id",
    "current_step_id",
    "decided_by_id",
    "department_id",
    "division_id",
    "hall_id",
    "item_id",
    "kiosk_id",
    "step_department_id",
    "submitted_by_id",
    "version_id",
    "window_id",
)


HISTORY_COLUMNS: Final = (
    "case_id",
    "from_status",
    "to_status",
    "action",
    "actor_id",
    "occurred_at",
    "note",
    "data",
)


def allocate_ids(count: int) -> list[int]:
    """`count` fresh case ids: from the identity sequence on PostgreSQL (safe beside live inserts), after
    the largest id on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Case._meta.db_table, count],
            )
            return [int(row[0]) for row in cursor.fetchall()]
    last = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return list(range(last + 1, last + 1 + count))


def _copy(table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def write_postgres(cases: list[tuple[Any, ...]], history: list[tuple[Any, ...]]) -> None:
    width = len(CASE_COLUMNS)
    _copy(Case._meta.db_table, CASE_COLUMNS, (row[:width] for row in cases))
    _copy(CaseStatusChange._meta.db_table, HISTORY_COLUMNS, iter(history))


def write_sqlite(cases: list[tuple[Any, ...]], history: list[tuple[Any, ...]]) -> None:
    width = len(CASE_COLUMNS)
    objects = []
    for row in cases:
        values = dict(zip(CASE_COLUMNS, row[:width], strict=True))
        values["applicant_id_number"], values["applicant_mobile"] = row[width], row[width + 1]
        values["form_data"] = json.loads(values["form_data"])
        objects.append(Case(**values))
    Case.objects.bulk_create(objects, batch_size=2000)
    CaseStatusChange.objects.bulk_create(
        [
            CaseStatusChange(**{**dict(zip(HISTORY_COLUMNS, row, strict=True)), "data": json.loads(row[7])})
            for row in history
        ],
        batch_size=5000,
    )


def save_counters(counters: dict[tuple[date, str], int], touched: set[tuple[date, str]]) -> None:
    """The CaseSequence counters the batch advanced, so later real submissions continue the numbering."""
    if not touched:
        return
    existing = {
        (row.day, row.division_code): row
        for row in CaseSequence.objects.filter(day__in={d for d, _ in touched})
    }
    new, changed = [], []
    for key in touched:
        value = counters[key]
        row = existing.get(key)
        if row is None:
            new.append(CaseSequence(day=key[0], division_code=key[1], last_value=value))
        elif row.last_value < value:
            row.last_value = value
            changed.append(row)
    CaseSequence.objects.bulk_create(new, batch_size=5000)
    CaseSequence.objects.bulk_update(changed, ["last_value"], batch_size=5000)
    touched.clear()
