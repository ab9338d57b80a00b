"""Audit reads: selectors scoped by the actor's department, the /api/v1/audit API, and the read-only admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuzheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuzheng.identity import audit_admin  # noqa: F401 - registers the admin even before admin.py imports it
from shuzheng.identity.audit import write_event
from shuzheng.identity.audit_seal import seal
from shuzheng.identity.audit_selectors import AuditEventFilters, audit_event_get, audit_event_list
from shuzheng.identity.models import AuditEvent, AuditLeaf, DataScopeKind, User
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory
from shuzheng.orgs.models import Division
from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

pytestmark = pytest.mark.django_db

VIEW = "identity.view_auditevent"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.SHUZHENG_STAFF_OTP_REQUIRED = False


@dataclass
class World:
    clerk_a: User
    clerk_b: User
    auditor_a: User  # department grant on A
    auditor_town_b: User  # division-tree grant on B's town
    auditor_all: User
    nobody: User  # no audit permission
    events: dict[str, AuditEvent]


def grant(user: User, *, scope: str, department: Any = None, division: Any = None) -> None:
    RoleAssignmentFactory.create(
        user=user,
        role=RoleFactory.create(code="auditor", perms=[VIEW]),
        scope=scope,
        department=department,
        division=division,
    )


@pytest.fixture
def world() -> World:
    city = DivisionFactory.create(code="440785", name="恩平市", level=Division.Level.CITY)
    town_a = DivisionFactory.create(code="440785100", name="恩城街道", level=Division.Level.TOWN, parent=city)
    town_b = DivisionFactory.create(code="440785101", name="横陂镇", level=Division.Level.TOWN, parent=city)
    dept_a = DepartmentFactory.create(code="DA", name="恩城街道办", division=town_a)
    dept_b = DepartmentFactory.create(code="DB", name="横陂镇政府", division=town_b)
    clerk_a = UserFactory.create(username="clerk_a", department=dept_a)
    clerk_b = UserFactory.create(username="clerk_b", department=dept_b)
    auditor_a = UserFactory.create(username="auditor_a", department=dept_a)
    grant(auditor_a, scope=DataScopeKind.DEPARTMENT, department=dept_a)
    auditor_town_b = UserFactory.create(username="auditor_town_b", department=dept_a)
    grant(auditor_town_b, scope=DataScopeKind.DIVISION_TREE, division=town_b)
    auditor_all = UserFactory.create(username="auditor_all", department=dept_a)
    grant(auditor_all, scope=DataScopeKind.ALL)
    nobody = UserFactory.create(username="nobody", department=dept_a)

    def event(actor: Any, action: str, subject_id: str, **snapshot: Any) -> AuditEvent:
        return write_event(
            actor=actor,
            action=action,
            subject_type="cases.case",
            subject_id=subject_id,
            before=None,
            after=snapshot or None,
        )

    events = {
        "a1": event(clerk_a, "cases.case.accept", "1", 状态="已受理"),
        "a2": event(clerk_a, "cases.case.conclude", "1"),
        "b1": event(clerk_b, "appeals.ticket.dispatch", "7"),
        "sys": event(None, "identity.audit.purge", "9"),
    }
    return World(clerk_a, clerk_b, auditor_a, auditor_town_b, auditor_all, nobody, events)


def seqs(page: Any) -> list[int]:
    return [e.seq for e in page.items]


# --- selectors ------------------------------------------------------------------------------------


def test_scope_follows_the_actors_department(world: World) -> None:
    e = world.events
    assert seqs(audit_event_list(user=world.auditor_a)) == [e["a2"].seq, e["a1"].seq]
    assert seqs(audit_event_list(user=world.auditor_town_b)) == [e["b1"].seq]
    assert seqs(audit_event_list(user=world.auditor_all)) == [
        e["sys"].seq,
        e["b1"].seq,
        e["a2"].seq,
        e["a1"].seq,
    ]


def test_superuser_sees_everything_including_system_events(world: World) -> None:
    admin = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    assert len(audit_event_list(user=admin).items) == 4


def test_without_the_permission_the_list_is_forbidden(world: World) -> None:
    with pytest.raises(PermissionDenied):
        audit_event_list(user=world.nobody)
    with pytest.raises(PermissionDenied):
        audit_event_get(user=world.nobody, seq=world.events["a1"].seq)


def test_event_outside_the_scope_does_not_exist(world: World) -> None:
    assert audit_event_get(user=world.auditor_a, seq=world.events["a1"].seq) == world.events["a1"]
    with pytest.raises(NotFound):
        audit_event_get(user=world.auditor_a, seq=world.events["b1"].seq)
    with pytest.raises(NotFound):
        audit_event_get(user=world.auditor_a, seq=world.events["sys"].seq)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (AuditEventFilters(action="cases."), ["a2", "a1"]),
        (AuditEventFilters(action="cases.case.accept"), ["a1"]),
        (AuditEventFilters(actor="clerk_b"), ["b1"]),
        (AuditEventFilters(actor="system"), ["sys"]),
        (AuditEventFilters(subject_type="cases.case", subject_id="7"), ["b1"]),
        (AuditEventFilters(subject_type="other"), []),
    ],
)
def test_filters(world: World, filters: AuditEventFilters, expected: list[str]) -> None:
    page = audit_event_list(user=world.auditor_all, filters=filters)
    assert seqs(page) == [world.events[k].seq for k in expected]


def test_date_range_is_in_local_days_and_inclusive(world: World) -> None:
    today = timezone.localdate()
    user = world.auditor_all
    assert (
        len(audit_event_list(user=user, filters=AuditEventFilters(date_from=today, date_to=today)).items) == 4
    )
    yesterday = today - timedelta(days=1)
    assert not audit_event_list(user=user, filters=AuditEventFilters(date_to=yesterday)).items
    assert not audit_event_list(
        user=user, filters=AuditEventFilters(date_from=today + timedelta(days=1))
    ).items
    with pytest.raises(ValidationFailed, match="结束日期"):
        audit_event_list(user=user, filters=AuditEventFilters(date_from=today, date_to=yesterday))


def test_keyset_pages_walk_newest_first_without_overlap(world: World) -> None:
    first = audit_event_list(user=world.auditor_all, limit=3)
    assert first.next_cursor
    second = audit_event_list(user=world.auditor_all, cursor=first.next_cursor, limit=3)
    assert second.next_cursor is None
    # seq is the database id: newest first, whatever ids the database handed out.
    assert seqs(first) + seqs(second) == sorted((e.seq for e in world.events.values()), reverse=True)


# --- API ------------------------------------------------------------------------------------------


URL = "/api/v1/audit/events"


def test_api_requires_login(client) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


def test_api_forbids_users_without_the_permission(client, world: World) -> None:
    client.force_login(world.nobody)
    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_api_lists_events_as_stored(client, world: World) -> None:
    client.force_login(world.auditor_a)
    response = client.get(URL, {"action": "cases.case.acc"})
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    stored = world.events["a1"]
    assert item["seq"] == stored.seq
    assert item["after"] == {"状态": "已受理"}
    assert item["before"] is None
    assert item["actor_label"] == "clerk_a"
    assert item["actor_department_id"] == world.clerk_a.department_id


def test_api_detail_shows_the_leaf_once_sealed(client, world: World) -> None:
    client.force_login(world.auditor_a)
    unsealed = client.get(f"{URL}/{world.events['a2'].seq}").json()
    assert (unsealed["leaf_index"], unsealed["leaf_hash"]) == (None, None)
    seal()
    leaf = AuditLeaf.objects.get(event_id=world.events["a1"].seq)
    detail = client.get(f"{URL}/{world.events['a1'].seq}").json()
    assert (detail["leaf_index"], detail["leaf_hash"]) == (leaf.index, leaf.hash)


def test_api_paginates_with_the_cursor(client, world: World) -> None:
    client.force_login(world.auditor_all)
    first = client.get(URL, {"limit": 2}).json()
    second = client.get(URL, {"limit": 2, "cursor": first["next_cursor"]}).json()
    newest_first = sorted((e.seq for e in world.events.values()), reverse=True)
    assert [i["seq"] for i in first["items"] + second["items"]] == newest_first


def test_api_detail_and_out_of_scope_404(client, world: World) -> None:
    client.force_login(world.auditor_a)
    assert client.get(f"{URL}/{world.events['a1'].seq}").json()["action"] == "cases.case.accept"
    response = client.get(f"{URL}/{world.events['b1'].seq}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{URL}/999999").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-01"},
        {"limit": 0},
        {"cursor": "garbage!"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
    ],
)
def test_api_bad_query_is_a_chinese_problem(client, world: World, params: dict[str, Any]) -> None:
    client.force_login(world.auditor_all)
    response = client.get(URL, params)
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith("application/problem+json")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_api_has_no_write_methods(client, world: World) -> None:
    client.force_login(world.auditor_all)
    seq = world.events["a1"].seq
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(f"{URL}/{seq}").status_code in (403, 405)
    assert AuditEvent.objects.filter(seq=seq).exists()


def test_list_query_count_does_not_grow_with_rows(client, world: World) -> None:
    client.force_login(world.auditor_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"limit": 50}).status_code == 200
        return len(queries)

    count()  # the first request of a session also records its activity
    few = count()
    for i in range(30):
        write_event(
            actor=world.clerk_a,
            action="cases.case.update",
            subject_type="cases.case",
            subject_id=str(i),
            before={"i": i},
            after={"i": i + 1},
        )
    assert count() == few


def test_list_query_count_is_bounded(client, world: World, django_assert_max_num_queries) -> None:
    client.force_login(world.auditor_town_b)
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200


# --- admin ----------------------------------------------------------------------------------------


def test_admin_is_read_only_even_for_superusers(client, world: World) -> None:
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    pk = world.events["a1"].pk
    assert client.get(reverse("admin:identity_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:identity_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:identity_auditevent_delete", args=[pk])).status_code == 403
    detail = client.get(reverse("admin:identity_auditevent_change", args=[pk]))
    assert detail.status_code == 200
    assert "已受理" in detail.content.decode()
    assert b'name="_save"' not in detail.content
    response = client.post(reverse("admin:identity_auditevent_change", args=[pk]), {"action": "x.y.z"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=pk).action == "cases.case.accept"
    assert client.get(reverse("admin:identity_auditarchive_changelist")).status_code == 200
    assert client.get(reverse("admin:identity_auditarchive_add")).status_code == 403


def test_admin_list_is_limited_to_the_viewers_scope(client, world: World) -> None:
    world.auditor_a.is_staff = True
    world.auditor_a.save(update_fields=["is_staff"])
    client.force_login(world.auditor_a)
    response = client.get(reverse("admin:identity_auditevent_changelist"))
    assert response.status_code == 200
    shown = [e.seq for e in response.context["cl"].result_list]
    assert shown == [world.events["a2"].seq, world.events["a1"].seq]
    own = client.get(reverse("admin:identity_auditevent_change", args=[world.events["a1"].pk]))
    assert own.status_code == 200
    other = client.get(reverse("admin:identity_auditevent_change", args=[world.events["b1"].pk]))
    assert other.status_code == 302  # the admin's "no such object" redirect


def test_admin_search_and_filters(client, world: World) -> None:
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    url = reverse("admin:identity_auditevent_changelist")
    by_subject = client.get(url, {"q": "7"}).context["cl"].result_list
    assert [e.seq for e in by_subject] == [world.events["b1"].seq]
    by_actor = client.get(url, {"q": "clerk_a"}).context["cl"].result_list
    assert {e.seq for e in by_actor} == {world.events["a1"].seq, world.events["a2"].seq}
    by_action = client.get(url, {"action": "identity.audit.purge"}).context["cl"].result_list
    assert [e.seq for e in by_action] == [world.events["sys"].seq]
