"""The audit writer (one INSERT, no shared row), the canonical form, and the append-only guard."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction

from shuzheng.core import audit as audit_port
from shuzheng.core import context
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.audit import AuditPayloadError, write_event
from shuzheng.identity.audit_canonical import canonical_bytes
from shuzheng.identity.audit_merkle import leaf_hash, sm3
from shuzheng.identity.audit_seal import seal
from shuzheng.identity.audit_verify import verify_log
from shuzheng.identity.models import AuditEvent, AuditLeaf, AuditTreeHead
from shuzheng.identity.tests.audit_tools import write
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL trigger")


# --- writer ---------------------------------------------------------------------------------------


def test_events_are_appended_through_the_port_with_their_id_only() -> None:
    first = audit_port.record(
        actor=SYSTEM,
        action="test.thing.create",
        subject_type="test.thing",
        subject_id=7,
        after={"名称": "恩平"},
    )
    second = audit_port.record(
        actor=SYSTEM,
        action="test.thing.update",
        subject_type="test.thing",
        subject_id="7",
        before={"名称": "恩平"},
        after={"名称": "恩平市"},
    )
    assert second.seq > first.seq
    stored = AuditEvent.objects.get(seq=first.seq)
    assert stored.subject_id == "7"
    assert not AuditLeaf.objects.exists()  # sealing is the sealer's job, not the writer's
    assert not AuditTreeHead.objects.exists()


def test_canonical_form_is_pinned() -> None:
    """Changing the canonical form orphans every sealed tree; this literal must only change on purpose."""
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
    assert leaf_hash(canonical_bytes(event)) == sm3(b"\x00" + expected)


def test_actor_context_and_roles_are_recorded() -> None:
    user = UserFactory.create(username="clerk1")
    RoleAssignmentFactory.create(user=user, role=RoleFactory.create(code="window_clerk"))
    RoleAssignmentFactory.create(user=user, role=RoleFactory.create(code="auditor"))
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
    seal()
    assert verify_log().ok

    token = context.bind(role="hall_manager")
    try:
        event = write_event(
            actor=user, action="a.b.c", subject_type="", subject_id="0", before=None, after=None
        )
    finally:
        context.reset(token)
    assert event.role == "hall_manager"
    assert event.subject_id == "0"


def test_system_anonymous_and_citizen_labels() -> None:
    citizen = UserFactory.create(username="citizen1", kind="citizen")
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


def test_over_long_fields_are_refused() -> None:
    with pytest.raises(AuditPayloadError, match="subject_id"):
        write_event(
            actor=None, action="a.b.c", subject_type="t", subject_id="x" * 65, before=None, after=None
        )
    assert not AuditEvent.objects.exists()


def test_awkward_json_survives_the_database_round_trip() -> None:
    """jsonb rewrites 1e20 as an integer and reorders keys; the sealed leaf must still verify."""
    write_event(
        actor=None,
        action="a.b.c",
        subject_type="t",
        subject_id="1",
        before={"z": 1, "a": [1e20, 0.1]},
        after={"big": 12345678901234567890, "tiny": 1e-7, "neg": -0.0, "嵌套": {"k": (1, "二")}},
    )
    seal()
    result = verify_log()
    assert result.ok, result.breaks
    stored = AuditEvent.objects.get()
    assert stored.before == {"a": [100000000000000000000, 0.1], "z": 1}
    assert isinstance(stored.before["a"][0], int)


def test_a_write_costs_a_fixed_number_of_queries(django_assert_num_queries) -> None:
    """One INSERT and nothing else: no shared row is read or locked (issue 14)."""
    write(1)
    with django_assert_num_queries(1) as captured:
        write(1)
    assert captured.captured_queries[0]["sql"].startswith("INSERT INTO")


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
    write(1)
    seal()
    assert AuditLeaf.objects.count() == 2
    assert verify_log().ok


# --- the append-only guard ------------------------------------------------------------------------


def test_no_update_or_delete_service_exists() -> None:
    from shuzheng.identity import audit

    public = {name for name in dir(audit) if not name.startswith("_")}
    assert not {n for n in public if any(v in n for v in ("update", "delete", "edit", "remove"))}


@on_postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE identity_auditevent SET action = 'x.y.z'",
        "DELETE FROM identity_auditevent",
        "TRUNCATE identity_auditevent",
        "UPDATE identity_auditleaf SET hash = 'x'",
        "DELETE FROM identity_auditleaf",
        "TRUNCATE identity_auditleaf",
        "UPDATE identity_audittreehead SET root_hash = 'x'",
        "DELETE FROM identity_audittreehead",
        "TRUNCATE identity_audittreehead",
    ],
)
def test_postgres_refuses_changes_to_audit_rows(statement: str) -> None:
    write(2)
    seal()
    with transaction.atomic(), connection.cursor() as cursor:
        # Test connections opt in to TRUNCATE for teardown flushes; opt out here.
        cursor.execute("SELECT set_config('shuzheng.audit_truncate', 'off', true)")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(statement)
    assert verify_log().ok


@on_postgres
def test_postgres_refuses_orm_delete() -> None:
    [event] = write(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=event.seq).delete()
    assert AuditEvent.objects.filter(seq=event.seq).exists()
