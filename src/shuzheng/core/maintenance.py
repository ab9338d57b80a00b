"""Database upkeep after bulk loads (the data generators behind the benchmarks)."""

from __future__ import annotations

from django.db import connection


def vacuum_analyze(*tables: str) -> None:
    """What autovacuum would do after a bulk load, at once: planner statistics, and on PostgreSQL the
    visibility map that lets covering indexes answer without the table. VACUUM cannot run inside a
    transaction (a test's, say); there only ANALYZE runs. Nothing on other databases."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")
