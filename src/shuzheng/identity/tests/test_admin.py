"""Back office: no clear ID numbers, password changes follow the policy, role writes go through services."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from shuzheng.core.actors import SYSTEM
from shuzheng.core.validators import generate_id_number
from shuzheng.identity.models import AuditEvent, DataScopeKind, PasswordHistory, Role, RoleAssignment, User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import RoleFactory

pytestmark = pytest.mark.django_db

ID_1 = generate_id_number("440785", date(1990, 3, 7), 1, False)


@pytest.fixture
def root(org) -> User:
    return staff(org.bureau, username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client: Client, root: User) -> Client:
    client.force_login(root)
    return client


@pytest.fixture
def citizen() -> User:
    return account_services.citizen_create(
        actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1, mobile="13707500001"
    )


def test_user_list_and_form_never_show_clear_id_numbers(admin_client: Client, citizen: User) -> None:
    listing = admin_client.get("/admin/identity/user/")
    assert listing.status_code == 200
    assert ID_1 not in listing.content.decode()
    form = admin_client.get(f"/admin/identity/user/{citizen.pk}/change/")
    html = form.content.decode()
    assert form.status_code == 200
    assert ID_1 not in html
    assert "13707500001" not in html
    assert ID_1[:6] + "********" + ID_1[-4:] in html


def test_search_by_id_number_uses_the_blind_index(admin_client: Client, citizen: User) -> None:
    found = admin_client.get("/admin/identity/user/", {"q": ID_1})
    assert "chenjm" in found.content.decode()


def test_admin_password_change_follows_the_policy(admin_client: Client, citizen: User, root: User) -> None:
    url = f"/admin/identity/user/{citizen.pk}/password/"
    weak = admin_client.post(
        url, {"password1": "chenjm2026", "password2": "chenjm2026", "usable_password": "true"}
    )
    assert weak.status_code == 200
    assert "账号名" in weak.content.decode()
    assert not User.objects.get(pk=citizen.pk).has_usable_password()
    ok = admin_client.post(
        url, {"password1": "Qiaoxiang#01", "password2": "Qiaoxiang#01", "usable_password": "true"}
    )
    assert ok.status_code == 302
    assert User.objects.get(pk=citizen.pk).check_password("Qiaoxiang#01")
    assert PasswordHistory.objects.filter(user=citizen).count() == 1
    event = AuditEvent.objects.get(action="identity.user.set_password")
    assert event.actor_id == root.pk
    assert event.subject_id == str(citizen.pk)


def test_admin_creates_a_user_through_the_service(admin_client: Client, org) -> None:
    response = admin_client.post(
        "/admin/identity/user/add/",
        {
            "username": "newbie",
            "full_name": "新人",
            "kind": "staff",
            "department": org.bureau.pk,
            "email": "",
            "password1": "Qiaoxiang#01",
            "password2": "Qiaoxiang#01",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newbie")
    assert user.check_password("Qiaoxiang#01")
    assert user.password_history.count() == 1
    assert AuditEvent.objects.get(action="identity.user.create").actor_id is not None


def test_role_assignment_admin_uses_the_service_rules(org, client: Client) -> None:
    manager = staff(org.bureau, username="manager", is_staff=True)
    grant(
        manager,
        [
            "identity.view_roleassignment",
            "identity.add_roleassignment",
            "identity.delete_roleassignment",
            "identity.view_user",
        ],
        DataScopeKind.DEPARTMENT,
    )
    target = staff(org.bureau, username="target")
    role = RoleFactory.create(code="viewer", perms=["identity.view_user"])
    client.force_login(manager)
    data = {"user": target.pk, "role": role.pk, "scope": "all", "department": "", "division": ""}
    refused = client.post("/admin/identity/roleassignment/add/", data)
    assert refused.status_code == 200
    assert "数据范围" in refused.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()

    data["scope"] = "department"
    created = client.post("/admin/identity/roleassignment/add/", data)
    assert created.status_code == 302
    assignment = RoleAssignment.objects.get(user=target)
    assert assignment.department == org.bureau
    assert AuditEvent.objects.filter(action="identity.role.assign", actor=manager).exists()

    deleted = client.post(f"/admin/identity/roleassignment/{assignment.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not RoleAssignment.objects.filter(user=target).exists()
    assert AuditEvent.objects.filter(action="identity.role.revoke", actor=manager).exists()


def test_role_admin_audits_permission_changes(admin_client: Client) -> None:
    view_user = Permission.objects.get(codename="view_user", content_type__app_label="identity")
    add_user = Permission.objects.get(codename="add_user", content_type__app_label="identity")
    created = admin_client.post(
        "/admin/identity/role/add/",
        {"code": "clerk", "name": "窗口", "description": "", "permissions": [view_user.pk]},
    )
    assert created.status_code == 302
    role = Role.objects.get(code="clerk")
    created_after = AuditEvent.objects.get(action="identity.role.create").after
    assert created_after is not None
    assert created_after["permissions"] == ["identity.view_user"]
    admin_client.post(
        f"/admin/identity/role/{role.pk}/change/",
        {"code": "clerk", "name": "窗口", "description": "", "permissions": [view_user.pk, add_user.pk]},
    )
    update = AuditEvent.objects.get(action="identity.role.update")
    assert update.before is not None
    assert update.after is not None
    assert update.before["permissions"] == ["identity.view_user"]
    assert update.after["permissions"] == ["identity.add_user", "identity.view_user"]


def test_admin_index_has_chinese_sections(admin_client: Client) -> None:
    html = admin_client.get("/admin/").content.decode()
    assert "单点登录（OpenID Connect）" in html
    assert "身份与审计" in html


def test_department_administrators_see_their_scope_only(org, client: Client) -> None:
    manager = staff(org.bureau, username="manager", is_staff=True)
    grant(manager, ["identity.view_user", "identity.change_user"], DataScopeKind.DEPARTMENT_TREE)
    inside = staff(org.bureau_unit, username="inside")
    outside = staff(org.other_bureau, username="outside")
    client.force_login(manager)
    html = client.get("/admin/identity/user/").content.decode()
    assert "inside" in html
    assert "outside" not in html
    assert client.get(f"/admin/identity/user/{inside.pk}/change/").status_code == 200
    assert client.get(f"/admin/identity/user/{outside.pk}/change/").status_code == 302  # "does not exist"
