"""The audit chain writer, its canonical form, verification, the append-only guard and audit-verify."""

from __future__ import annotations

import decimal
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from shuzheng.core import audit as audit_port
from shuzheng.core import context
from shuzheng.core.crypto import sm3_hex
from shuzheng.identity.audit import (
    GENESIS_HASH,
    AuditPayloadError,
    Problem,
    canonical_bytes,
    compute_hash,
    verify_chain,
    write_event,
)
from shuzheng.identity.models import AuditChainHead, AuditEvent
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL trigger")


@contextmanager
def behind_the_orm() -> Iterator[Any]:
    """A raw cursor that may change audit rows: on PostgreSQL the trigger is lifted for this block."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('shuzheng.audit_purge', 'on', true)")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('shuzheng.audit_purge', '', true)")


def write(n: int, **kwargs: Any) -> list[AuditEvent]:
    return [
        write_event(
            actor=kwargs.get("actor"),
            action=kwargs.get("action", "test.thing.update"),
            subject_type="test.thing",
            subject_id=str(i),
            before={"n": i},
            after={"n": i + 1},
        )
        for i in range(n)
    ]


# --- writer ---------------------------------------------------------------------------------------


def test_events_link_from_genesis_through_the_port() -> None:
    first = audit_port.record(
        actor=None,
        action="test.thing.create",
        subject_type="test.thing",
        subject_id=7,
        after={"名称": "恩平"},
    )
    second = audit_port.record(
        actor=None,
        action="test.thing.update",
        subject_type="test.thing",
        subject_id="7",
        before={"名称": "恩平"},
        after={"名称": "恩平市"},
    )
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    stored = AuditEvent.objects.get(seq=1)
    assert stored.hash == sm3_hex(GENESIS_HASH.encode() + canonical_bytes(stored))
    assert stored.subject_id == "7"
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (2, second.hash)


def test_canonical_form_is_pinned() -> None:
    """Changing the canonical form orphans every stored chain; this literal must only change on purpose."""
    event = AuditEvent(
        seq=3,
        occurred_at=datetime(2026, 3, 1, 10, 3, 4, 5, tzinfo=UTC),
        actor_id=12,
        actor_label="zhang",
        actor_department_id=4,
        role="clerk",
        channel="window",
        action="cases.case.accept",
        subject_type="cases.case",
        subject_id="99",
        before={"状态": "待受理", "b": [1, 2.5]},
        after={"状态": "已受理"},
        ip="10.0.0.1",
        request_id="req-1",
    )
    expected = (
        '{"action":"cases.case.accept","actor_department_id":4,"actor_id":12,"actor_label":"zhang",'
        '"after":{"状态":"已受理"},"before":{"b":[1,2.5],"状态":"待受理"},"channel":"window",'
        '"ip":"10.0.0.1","occurred_at":"2026-03-01T10:03:04.000005Z","request_id":"req-1",'
        '"role":"clerk","seq":3,"subject_id":"99","subject_type":"cases.case"}'
    ).encode()
    assert canonical_bytes(event) == expected
    assert compute_hash("a" * 64, event) == sm3_hex(b"a" * 64 + expected)


def test_actor_context_and_roles_are_recorded() -> None:
    user = UserFactory(username="clerk1")
    RoleAssignmentFactory(user=user, role=RoleFactory(code="window_clerk"))
    RoleAssignmentFactory(user=user, role=RoleFactory(code="auditor"))
    token = context.bind(request_id="req-abc", ip="2001:DB8::1", channel="window")
    try:
        event = write_event(
            actor=user,
            action="test.thing.update",
            subject_type="t",
            subject_id="1",
            before=None,
            after={"x": 1},
        )
    finally:
        context.reset(token)
    event.refresh_from_db()
    assert event.actor_id == user.pk
    assert event.actor_label == "clerk1"
    assert event.actor_department_id == user.department_id
    assert event.role == "auditor,window_clerk"
    assert (event.channel, event.request_id, event.ip) == ("window", "req-abc", "2001:db8::1")
    assert verify_chain().ok

    token = context.bind(role="hall_manager")
    try:
        event = write_event(
            actor=user, action="a.b.c", subject_type="", subject_id=0, before=None, after=None
        )
    finally:
        context.reset(token)
    assert event.role == "hall_manager"
    assert event.subject_id == "0"


def test_system_anonymous_and_citizen_labels() -> None:
    citizen = UserFactory(username="citizen1", kind="citizen")
    system = write_event(actor=None, action="a.b.c", subject_type="", subject_id="", before=None, after=None)
    anonymous = write_event(
        actor=AnonymousUser(), action="a.b.c", subject_type="", subject_id="", before=None, after=None
    )
    by_citizen = write_event(
        actor=citizen, action="a.b.c", subject_type="", subject_id="", before=None, after=None
    )
    assert (system.actor_label, system.actor_id) == ("system", None)
    assert (anonymous.actor_label, anonymous.actor_id) == ("anonymous", None)
    assert (by_citizen.actor_label, by_citizen.actor_department_id) == ("citizen1", None)


@pytest.mark.parametrize(
    "payload",
    [
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
        {"amount": decimal.Decimal("1.50")},
        {"tags": {"a", "b"}},
        {"ratio": float("nan")},
        {1: "int key"},
        {"text": "nul\x00byte"},
    ],
)
def test_non_json_snapshots_are_refused_and_nothing_is_written(payload: dict[str, Any]) -> None:
    write(1)
    with pytest.raises(AuditPayloadError, match="审计快照"):
        write_event(actor=None, action="a.b.c", subject_type="t", subject_id="1", before=None, after=payload)
    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.get(pk=1).seq == 1


def test_over_long_fields_are_refused() -> None:
    with pytest.raises(AuditPayloadError, match="subject_id"):
        write_event(
            actor=None, action="a.b.c", subject_type="t", subject_id="x" * 65, before=None, after=None
        )
    assert not AuditEvent.objects.exists()


def test_awkward_json_survives_the_database_round_trip() -> None:
    """jsonb rewrites 1e20 as an integer and reorders keys; the stored chain must still verify."""
    write_event(
        actor=None,
        action="a.b.c",
        subject_type="t",
        subject_id="1",
        before={"z": 1, "a": [1e20, 0.1]},
        after={"big": 12345678901234567890, "tiny": 1e-7, "neg": -0.0, "嵌套": {"k": (1, "二")}},
    )
    result = verify_chain()
    assert result.ok, result.detail
    stored = AuditEvent.objects.get(seq=1)
    assert stored.before == {"a": [100000000000000000000, 0.1], "z": 1}
    assert isinstance(stored.before["a"][0], int)


def test_missing_head_is_rebuilt_from_the_last_event() -> None:
    events = write(2)
    AuditChainHead.objects.all().delete()
    third = write(1)[0]
    assert (third.seq, third.prev_hash) == (3, events[-1].hash)
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_head_row_comes_back_after_a_flush() -> None:
    """Test teardown flushes every table; post_migrate recreates the head so later tests do not pay for it."""
    write(2)
    call_command("flush", interactive=False, verbosity=0)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (0, GENESIS_HASH)


def test_a_write_costs_a_fixed_number_of_queries(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    write(1)
    # savepoint, lock head, insert event, move head, release savepoint
    with django_assert_num_queries(5):
        write(1)


class CallerFailedError(Exception):
    pass


def _audit_then_fail() -> None:
    with transaction.atomic():
        write(1)
        raise CallerFailedError


def test_writer_joins_the_callers_transaction() -> None:
    write(1)
    with pytest.raises(CallerFailedError):
        _audit_then_fail()
    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.get(pk=1).seq == 1
    assert write(1)[0].seq == 2
    assert verify_chain().ok


# --- verification ---------------------------------------------------------------------------------


def test_intact_chain_verifies() -> None:
    write(5)
    result = verify_chain(batch_size=2)
    assert result.ok
    assert (result.count, result.first_seq, result.last_seq) == (5, 1, 5)
    assert result.head_hash == AuditEvent.objects.get(seq=5).hash
    assert verify_chain().summary().startswith("审计链完整：共 5 条事件，首条 #1，末条 #5，链头哈希 ")


def test_empty_chain_verifies() -> None:
    result = verify_chain()
    assert result.ok
    assert result.count == 0


def test_edited_row_is_named_by_seq() -> None:
    write(6)
    with behind_the_orm() as cursor:
        cursor.execute("UPDATE identity_auditevent SET after = %s WHERE seq = 4", ['{"n": 999}'])
    result = verify_chain(batch_size=4)
    assert not result.ok
    assert (result.broken_seq, result.problem) == (4, Problem.HASH_MISMATCH)
    assert result.count == 3


def test_rehashed_row_breaks_the_next_link() -> None:
    """Recomputing the edited row's own hash does not help: the next event still points at the old hash."""
    write(5)
    event = AuditEvent.objects.get(seq=2)
    event.actor_label = "someone-else"
    forged = compute_hash(event.prev_hash, event)
    with behind_the_orm() as cursor:
        cursor.execute(
            "UPDATE identity_auditevent SET actor_label = %s, hash = %s WHERE seq = 2",
            ["someone-else", forged],
        )
    result = verify_chain()
    assert (result.broken_seq, result.problem) == (3, Problem.PREV_HASH_MISMATCH)


def test_deleted_middle_row_is_a_gap() -> None:
    write(5)
    with behind_the_orm() as cursor:
        cursor.execute("DELETE FROM identity_auditevent WHERE seq = 3")
    result = verify_chain()
    assert (result.broken_seq, result.problem) == (3, Problem.GAP)
    assert "#4" in result.detail


def test_deleted_first_row_is_a_gap() -> None:
    write(3)
    with behind_the_orm() as cursor:
        cursor.execute("DELETE FROM identity_auditevent WHERE seq = 1")
    assert (verify_chain().broken_seq, verify_chain().problem) == (1, Problem.GAP)


def test_deleted_tail_is_caught_by_the_head() -> None:
    write(4)
    with behind_the_orm() as cursor:
        cursor.execute("DELETE FROM identity_auditevent WHERE seq = 4")
    result = verify_chain()
    assert (result.broken_seq, result.problem) == (4, Problem.TAIL_MISSING)


# --- the append-only guard ------------------------------------------------------------------------


def test_no_update_or_delete_service_exists() -> None:
    from shuzheng.identity import audit

    public = {name for name in dir(audit) if not name.startswith("_")}
    assert not {n for n in public if any(v in n for v in ("update", "delete", "edit", "remove"))}


@on_postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE identity_auditevent SET action = 'x.y.z' WHERE seq = 1",
        "DELETE FROM identity_auditevent WHERE seq = 1",
        "TRUNCATE identity_auditevent",
    ],
)
def test_postgres_refuses_changes_to_audit_rows(statement: str) -> None:
    write(2)
    with transaction.atomic(), connection.cursor() as cursor:
        # Test connections opt in to TRUNCATE for teardown flushes; opt out here.
        cursor.execute("SELECT set_config('shuzheng.audit_truncate', 'off', true)")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(statement)
    assert verify_chain().ok


@on_postgres
def test_postgres_refuses_orm_delete() -> None:
    write(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()
    assert AuditEvent.objects.filter(seq=1).exists()


# --- audit-verify ---------------------------------------------------------------------------------


def test_audit_verify_command_reports_an_intact_chain() -> None:
    events = write(3)
    out = io.StringIO()
    call_command("audit_verify", stdout=out, stderr=io.StringIO())
    assert f"审计链完整：共 3 条事件，首条 #1，末条 #3，链头哈希 {events[-1].hash}" in out.getvalue()


def test_audit_verify_command_names_the_first_broken_link_and_exits_1() -> None:
    write(5)
    with behind_the_orm() as cursor:
        cursor.execute("UPDATE identity_auditevent SET subject_id = 'forged' WHERE seq = 2")
        cursor.execute("DELETE FROM identity_auditevent WHERE seq = 4")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert "第一处断点在 #2" in err.getvalue()
    assert "哈希不符" in err.getvalue()
