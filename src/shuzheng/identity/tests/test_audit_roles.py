"""The audit writer records the actor's role codes from the request's authorization snapshot when a
permission was checked already (no query), and reads them otherwise: the same codes either way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shuzheng.identity import authz
from shuzheng.identity.audit import write_event
from shuzheng.identity.models import User
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _clerk() -> User:
    user = UserFactory.create(username="clerk2")
    RoleAssignmentFactory.create(user=user, role=RoleFactory.create(code="window_clerk"))
    RoleAssignmentFactory.create(user=user, role=RoleFactory.create(code="auditor"))
    return User.objects.get(pk=user.pk)


def _write(user: User) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        event = write_event(
            actor=user, action="t.x.y", subject_type="t", subject_id="1", before=None, after={}
        )
    return event.role, [q["sql"] for q in captured.captured_queries]


def test_roles_come_from_the_snapshot_when_a_permission_was_checked() -> None:
    user = _clerk()
    user.has_perm("cases.view_case")  # builds and memoises the snapshot, as a request's checks do
    role, queries = _write(user)
    assert role == "auditor,window_clerk"
    assert not [q for q in queries if "identity_roleassignment" in q], queries


def test_roles_are_read_without_a_snapshot_or_from_one_cached_before_they_were_kept() -> None:
    user = _clerk()
    role, queries = _write(user)
    assert role == "auditor,window_clerk"
    assert [q for q in queries if "identity_roleassignment" in q]
    older = authz.Snapshot(permissions=frozenset(), grants=())  # as unpickled from an older cache entry
    setattr(user, authz.MEMO, older)
    role, queries = _write(user)
    assert role == "auditor,window_clerk"
    assert [q for q in queries if "identity_roleassignment" in q]


def test_a_role_granted_later_in_the_request_is_recorded_once_the_memo_is_dropped() -> None:
    user = _clerk()
    user.has_perm("cases.view_case")
    RoleAssignmentFactory.create(user=user, role=RoleFactory.create(code="approver"))
    authz.forget(user)  # what the role services do after changing a user's roles in the same request
    role, _ = _write(user)
    assert role == "approver,auditor,window_clerk"
