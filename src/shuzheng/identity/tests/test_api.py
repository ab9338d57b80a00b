"""/api/v1/identity: the caller, scoped and masked user lists, creation, roles, and bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.core.validators import generate_id_number, generate_uscc
from shuzheng.identity.models import AuditEvent, DataScopeKind, RoleAssignment, User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import grant, login_verified, staff
from shuzheng.identity.tests.factories import RoleFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/identity"
ID_1 = generate_id_number("440785", date(1990, 3, 7), 1, False)
ID_2 = generate_id_number("440785", date(1985, 11, 20), 2, True)
PROBLEM = "application/problem+json"


@pytest.fixture
def clerk(org) -> User:
    """A window clerk: sees and registers users of the bureau and its units."""
    clerk = staff(org.bureau, username="clerk", full_name="郑嘉欣")
    grant(
        clerk,
        ["identity.view_user", "identity.add_user", "identity.view_role"],
        DataScopeKind.DEPARTMENT_TREE,
    )
    return clerk


@pytest.fixture
def api(client: Client, clerk: User) -> Client:
    client.force_login(clerk)
    return client


def post(client: Client, url: str, data: object) -> Any:
    import json

    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_anonymous_gets_401_problem(client: Client) -> None:
    response = client.get(f"{BASE}/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)


def test_me_shows_own_data_roles_and_permissions(api: Client, clerk: User) -> None:
    User.objects.filter(pk=clerk.pk).update(mobile="13707500009")
    body = api.get(f"{BASE}/me").json()
    assert body["username"] == "clerk"
    assert body["full_name"] == "郑嘉欣"
    assert body["mobile"] == "13707500009"  # one's own data is not masked
    assert "identity.add_user" in body["permissions"]
    assert body["clear_personal_data"] is False
    assert body["roles"][0]["scope"] == "department_tree"
    assert body["roles"][0]["scope_label"] == "本部门及下级"
    assert body["department"]["code"] == "T001"


def test_user_list_is_scoped_masked_and_keyset_paginated(org, api: Client, clerk: User) -> None:
    for i in range(4):
        staff(org.bureau_unit, username=f"unit{i}")
    staff(org.other_bureau, username="outsider")
    citizen = account_services.citizen_create(
        actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1, mobile="13707500001"
    )
    grant(clerk, ["identity.view_user"], DataScopeKind.SELF, department=None)  # (no effect on others)
    first = api.get(f"{BASE}/users", {"limit": 3}).json()
    assert [u["username"] for u in first["items"]] == ["clerk", "unit0", "unit1"]
    second = api.get(f"{BASE}/users", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [u["username"] for u in second["items"]] == ["unit2", "unit3"]
    assert second["next_cursor"] is None
    # Citizens are outside a department scope.
    assert citizen.username not in {u["username"] for u in first["items"] + second["items"]}


def test_all_scope_without_clearance_sees_masked_personal_data(org, client: Client) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, ["identity.view_user"], DataScopeKind.ALL, department=None)
    citizen = account_services.citizen_create(
        actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1, mobile="13707500001"
    )
    client.force_login(viewer)
    items = client.get(f"{BASE}/users", {"kind": "citizen"}).json()["items"]
    assert len(items) == 1
    row = items[0]
    assert row["username"] == "chenjm"
    assert row["id_number"] == ID_1[:6] + "********" + ID_1[-4:]
    assert row["mobile"] == "137****0001"
    assert row["full_name"] == "陈*明"
    detail = client.get(f"{BASE}/users/{citizen.pk}").json()
    assert detail["id_number"].count("*") == 8
    grant(viewer, ["identity.view_clear_personal_data"], DataScopeKind.ALL, department=None)
    row = client.get(f"{BASE}/users", {"kind": "citizen"}).json()["items"][0]
    assert row["id_number"] == ID_1
    assert row["mobile"] == "13707500001"
    assert row["full_name"] == "陈建明"


def test_user_list_query_count_does_not_grow_with_rows(
    org, api: Client, django_assert_max_num_queries
) -> None:
    for i in range(30):
        staff(org.bureau_unit, username=f"unit{i:02d}")
    with django_assert_max_num_queries(12):
        response = api.get(f"{BASE}/users", {"limit": 25})
    assert len(response.json()["items"]) == 25


def test_user_list_needs_the_view_permission(org, client: Client) -> None:
    client.force_login(staff(org.bureau))
    response = client.get(f"{BASE}/users")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_user_list_search_and_bad_cursor(org, api: Client) -> None:
    staff(org.bureau_unit, username="liangzy", full_name="梁志远")
    assert [u["username"] for u in api.get(f"{BASE}/users", {"q": "志远"}).json()["items"]] == ["liangzy"]
    assert [u["username"] for u in api.get(f"{BASE}/users", {"q": "liang"}).json()["items"]] == ["liangzy"]
    response = api.get(f"{BASE}/users", {"cursor": "!!!"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_detail_of_a_user_in_another_scope_is_404(org, api: Client) -> None:
    inside = staff(org.bureau_unit, username="inside")
    outside = staff(org.other_bureau, username="outside")
    assert api.get(f"{BASE}/users/{inside.pk}").status_code == 200
    response = api.get(f"{BASE}/users/{outside.pk}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert api.get(f"{BASE}/users/999999").status_code == 404


def test_create_citizen(api: Client, clerk: User) -> None:
    response = post(
        api,
        f"{BASE}/users/citizens",
        {"username": "chenjm", "full_name": "陈建明", "id_number": ID_1, "mobile": "13707500001"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "citizen"
    assert body["id_number"] == ID_1[:6] + "********" + ID_1[-4:]
    event = AuditEvent.objects.get(action="identity.user.create")
    assert event.actor_id == clerk.pk
    assert event.channel == "api"


def test_create_enterprise_agent(api: Client) -> None:
    response = post(
        api,
        f"{BASE}/users/enterprise-agents",
        {
            "username": "agent",
            "full_name": "吴嘉伟",
            "id_number": ID_2,
            "enterprise_uscc": generate_uscc("440785", 3),
            "enterprise_name": "恩平市测试有限公司",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "enterprise_agent"


def test_create_staff_in_and_out_of_scope(org, api: Client) -> None:
    ok = post(
        api,
        f"{BASE}/users/staff",
        {
            "username": "newbie",
            "full_name": "新人",
            "department_id": org.bureau_unit.pk,
            "password": "Qiaoxiang#01",
        },
    )
    assert ok.status_code == 201, ok.content
    assert User.objects.get(username="newbie").check_password("Qiaoxiang#01")
    refused = post(
        api,
        f"{BASE}/users/staff",
        {"username": "newbie2", "full_name": "新人", "department_id": org.other_bureau.pk},
    )
    assert refused.status_code == 403
    assert not User.objects.filter(username="newbie2").exists()


def test_wrong_id_number_is_422_naming_the_field_and_writes_nothing(api: Client) -> None:
    users, events = User.objects.count(), AuditEvent.objects.count()
    bad = ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1")
    response = post(
        api, f"{BASE}/users/citizens", {"username": "chenjm", "full_name": "陈建明", "id_number": bad}
    )
    assert response.status_code == 422
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["errors"][0]["field"] == "id_number"
    assert "校验位" in body["detail"]
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_duplicate_id_number_is_409(api: Client) -> None:
    account_services.citizen_create(actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1)
    response = post(
        api, f"{BASE}/users/citizens", {"username": "other", "full_name": "陈建明", "id_number": ID_1}
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "id_number"


def test_malformed_json_is_400_and_writes_nothing(api: Client) -> None:
    users = User.objects.count()
    response = api.post(f"{BASE}/users/citizens", data='{"username": "x",', content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    assert User.objects.count() == users


def test_unknown_fields_are_422_and_write_nothing(api: Client) -> None:
    users = User.objects.count()
    response = post(
        api,
        f"{BASE}/users/citizens",
        {"username": "chenjm", "full_name": "陈建明", "id_number": ID_1, "is_superuser": True},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "is_superuser"
    assert body["errors"][0]["message"] == "不允许的字段"
    assert User.objects.count() == users


def test_missing_field_is_422(api: Client) -> None:
    response = post(api, f"{BASE}/users/citizens", {"username": "chenjm"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"full_name", "id_number"} <= fields


def test_roles_list(api: Client) -> None:
    RoleFactory.create(code="window_clerk", name="窗口工作人员", perms=["identity.view_user"])
    roles = {r["code"]: r for r in api.get(f"{BASE}/roles").json()}
    assert roles["window_clerk"]["permissions"] == ["identity.view_user"]


def test_assign_and_revoke_role_through_the_api(org, client: Client) -> None:
    manager = staff(org.bureau, username="manager")
    grant(
        manager,
        ["identity.view_user", "identity.add_roleassignment", "identity.delete_roleassignment"],
        DataScopeKind.DEPARTMENT_TREE,
    )
    target = staff(org.bureau_unit, username="target")
    RoleFactory.create(code="viewer", perms=["identity.view_user"])
    client.force_login(manager)
    response = post(client, f"{BASE}/users/{target.pk}/roles", {"role": "viewer", "scope": "department"})
    assert response.status_code == 201, response.content
    assignment_id = response.json()["id"]
    assert response.json()["department_id"] == org.bureau_unit.pk
    assert AuditEvent.objects.filter(action="identity.role.assign", actor=manager).exists()
    detail = client.get(f"{BASE}/users/{target.pk}").json()
    assert [r["role"]["code"] for r in detail["roles"]] == ["viewer"]

    bad_scope = post(client, f"{BASE}/users/{target.pk}/roles", {"role": "viewer", "scope": "galaxy"})
    assert bad_scope.status_code == 422
    assert bad_scope.json()["errors"][0]["field"] == "scope"
    unknown_role = post(client, f"{BASE}/users/{target.pk}/roles", {"role": "nosuch", "scope": "self"})
    assert unknown_role.status_code == 422
    assert unknown_role.json()["errors"][0]["field"] == "role"

    assert client.delete(f"{BASE}/role-assignments/{assignment_id}").status_code == 204
    assert not RoleAssignment.objects.filter(pk=assignment_id).exists()
    assert AuditEvent.objects.filter(action="identity.role.revoke", actor=manager).exists()


def test_assigning_to_a_user_of_another_scope_is_404(org, client: Client) -> None:
    manager = staff(org.bureau, username="manager")
    grant(manager, ["identity.view_user", "identity.add_roleassignment"], DataScopeKind.DEPARTMENT)
    outsider = staff(org.other_bureau)
    RoleFactory.create(code="viewer", perms=["identity.view_user"])
    client.force_login(manager)
    response = post(client, f"{BASE}/users/{outsider.pk}/roles", {"role": "viewer", "scope": "self"})
    assert response.status_code == 404
    assert not RoleAssignment.objects.filter(user=outsider).exists()


def test_change_own_password(api: Client, clerk: User) -> None:
    from shuzheng.identity.tests.factories import DEFAULT_PASSWORD

    response = post(api, f"{BASE}/me/password", {"old_password": DEFAULT_PASSWORD, "new_password": "short"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "new_password"
    response = post(
        api, f"{BASE}/me/password", {"old_password": DEFAULT_PASSWORD, "new_password": "Qiaoxiang#01"}
    )
    assert response.status_code == 204
    assert api.get(f"{BASE}/me").status_code == 200  # the session survives the change


def test_staff_without_second_factor_get_403_on_the_api(
    otp_required, org, client: Client, clerk: User
) -> None:
    """Logged in, but the password step alone is not enough: 403 as docs/api.md says (RFC 9110 §15.5.4)."""
    client.force_login(clerk)
    response = client.get(f"{BASE}/me")
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "second_factor_required"
    assert problem["status"] == 403
    assert "动态口令" in problem["title"] + problem["detail"]
    doc = (settings.BASE_DIR / "docs" / "api.md").read_text()
    assert "| 403 | `second_factor_required` |" in doc
    login_verified(client, clerk)
    body = client.get(f"{BASE}/me").json()
    assert body["second_factor_verified"] is True
