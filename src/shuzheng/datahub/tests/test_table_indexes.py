"""Mounted tables index their key items (检索键) and ``_loaded_at``: the data service's key lookups and the
freshness rule must not scan the table. Tables mounted before this was done get the indexes from
``tables.ensure_indexes``."""

from __future__ import annotations

import pytest
from django.db import connection

from shuzheng.datahub import tables
from shuzheng.datahub.tests.conftest import make_entry

pytestmark = pytest.mark.django_db


def indexed_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in constraints.values() if c.get("index") and len(c["columns"]) == 1}


def test_mount_indexes_key_items_and_loaded_at(hub):
    entry = make_entry(hub)  # id_number is the key item
    columns = indexed_columns(entry.mount_table)
    assert {"id_number", tables.LOADED_AT} <= columns
    assert "full_name" not in columns
    assert tables.ensure_indexes(entry) == []


def test_ensure_indexes_repairs_older_tables(hub):
    entry = make_entry(hub)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, entry.mount_table)
        for name, c in constraints.items():
            if c.get("index") and c["columns"] in (["id_number"], [tables.LOADED_AT]):
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    assert "id_number" not in indexed_columns(entry.mount_table)
    assert sorted(tables.ensure_indexes(entry)) == sorted(["id_number", tables.LOADED_AT])
    assert {"id_number", tables.LOADED_AT} <= indexed_columns(entry.mount_table)
    assert tables.ensure_indexes(entry) == []
