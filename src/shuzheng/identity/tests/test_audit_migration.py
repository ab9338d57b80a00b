"""Migrations 0006–0008: the events of the old SM3 hash chain become the first sealed leaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shuzheng.core.crypto.sm3 import sm3_hex
from shuzheng.identity.audit_canonical import canonical_bytes
from shuzheng.identity.audit_verify import verify_log
from shuzheng.identity.models import AuditEvent, AuditLeaf, AuditTreeHead
from shuzheng.identity.tests.audit_tools import write

BEFORE = [("identity", "0005_authz_stamp")]
GENESIS = "0" * 64


def _migrate(targets: list[tuple[str, str]] | None = None) -> Any:
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _old_chain(apps: Any, n: int, *, break_at: int | None = None) -> None:
    event_model = apps.get_model("identity", "AuditEvent")
    prev = GENESIS
    for seq in range(1, n + 1):
        event = event_model(
            seq=seq,
            occurred_at=datetime(2026, 1, seq, tzinfo=UTC),
            actor_label="system",
            action="test.thing.update",
            subject_type="test.thing",
            subject_id=str(seq),
            after={"n": seq},
            prev_hash=prev,
        )
        event.hash = sm3_hex(prev.encode() + canonical_bytes(event))
        if seq == break_at:
            event.subject_id = "changed after hashing"
        event.save()
        prev = event.hash


@pytest.fixture
def at_0005() -> Iterator[Any]:
    apps = _migrate(BEFORE)
    try:
        yield apps
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('shuzheng.audit_purge', 'on', false)")
            for table in ("identity_auditleaf", "identity_audittreehead", "identity_auditevent"):
                if table in connection.introspection.table_names(cursor):
                    cursor.execute(f"DELETE FROM {table}")
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('shuzheng.audit_purge', '', false)")
        _migrate()


@pytest.mark.django_db(transaction=True)
def test_the_old_chain_is_sealed_as_the_first_leaves(at_0005: Any, settings) -> None:
    _old_chain(at_0005, 3)
    _migrate()
    assert list(AuditLeaf.objects.order_by("index").values_list("index", "event_id")) == [
        (0, 1),
        (1, 2),
        (2, 3),
    ]
    assert AuditTreeHead.objects.get().tree_size == 3
    assert Path(settings.AUDIT_HEAD_LOG).read_text().count("\n") == 1
    assert verify_log().ok
    [event] = write(1)  # the id sequence continues after the old seqs
    assert event.seq == 4
    assert AuditEvent.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_broken_old_chain_is_not_sealed(at_0005: Any) -> None:
    _old_chain(at_0005, 3, break_at=2)
    with pytest.raises(RuntimeError, match="旧审计链在 #2 处断裂"):
        _migrate()
