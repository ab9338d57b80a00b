"""An administrator cannot take away their own last administrator role or flag: a clear refusal in
Chinese, and nothing changes (admin pages, admin bulk action, API)."""

from __future__ import annotations

import pytest
from django.test import Client

from shuzheng.core.errors import PermissionDenied
from shuzheng.identity.models import AuditEvent, DataScopeKind, RoleAssignment, User
from shuzheng.identity.services import roles as role_services
from shuzheng.identity.tests.conftest import grant, staff

pytestmark = pytest.mark.django_db

ADMIN_PERMS = ["identity.add_roleassignment", "identity.delete_roleassignment", "identity.view_user"]
REFUSAL = "不能撤销本人最后一个管理员角色"


@pytest.fixture
def root(org) -> User:
    return staff(org.bureau, username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def own_admin_role(root: User) -> RoleAssignment:
    return grant(root, ADMIN_PERMS, DataScopeKind.ALL, code="system_admin")


@pytest.fixture
def admin_client(client: Client, root: User) -> Client:
    client.force_login(root)
    return client


def _unchanged(assignment: RoleAssignment) -> None:
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert not AuditEvent.objects.filter(action="identity.role.revoke").exists()


def test_the_service_refuses_to_revoke_the_callers_last_admin_role(root: User, own_admin_role) -> None:
    with pytest.raises(PermissionDenied, match=REFUSAL):
        role_services.role_revoke(actor=root, assignment=own_admin_role)
    _unchanged(own_admin_role)


def test_a_second_admin_role_may_go_and_others_may_revoke_it(org, root: User, own_admin_role) -> None:
    second = grant(root, ADMIN_PERMS, DataScopeKind.ALL)
    role_services.role_revoke(actor=root, assignment=second)
    assert not RoleAssignment.objects.filter(pk=second.pk).exists()
    other_admin = staff(org.bureau, username="root2", is_superuser=True, is_staff=True)
    role_services.role_revoke(actor=other_admin, assignment=own_admin_role)
    assert not RoleAssignment.objects.filter(pk=own_admin_role.pk).exists()


def test_a_non_admin_role_of_ones_own_may_still_go(root: User, own_admin_role) -> None:
    clerk_role = grant(root, ["identity.view_user"], DataScopeKind.ALL)
    role_services.role_revoke(actor=root, assignment=clerk_role)
    assert not RoleAssignment.objects.filter(pk=clerk_role.pk).exists()


def test_the_api_refuses_with_a_chinese_403(admin_client: Client, own_admin_role) -> None:
    response = admin_client.delete(f"/api/v1/identity/role-assignments/{own_admin_role.pk}")
    assert response.status_code == 403
    assert REFUSAL in response.json()["detail"]
    _unchanged(own_admin_role)


def test_the_admin_delete_page_refuses(admin_client: Client, own_admin_role) -> None:
    url = f"/admin/identity/roleassignment/{own_admin_role.pk}/delete/"
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    _unchanged(own_admin_role)
    assert REFUSAL in admin_client.get(url, follow=True).content.decode()


def test_the_admin_bulk_delete_refuses_and_deletes_nothing(
    admin_client: Client, root: User, own_admin_role
) -> None:
    other = grant(staff(root.department, username="clerk"), ["identity.view_user"])
    response = admin_client.post(
        "/admin/identity/roleassignment/",
        {"action": "delete_selected", "_selected_action": [own_admin_role.pk, other.pk], "post": "yes"},
        follow=True,
    )
    html = response.content.decode()
    assert REFUSAL in html
    assert "成功删除" not in html
    _unchanged(own_admin_role)
    assert RoleAssignment.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("flag", ["is_superuser", "is_staff", "is_active"])
def test_the_user_form_refuses_to_drop_ones_own_admin_flags(
    admin_client: Client, root: User, flag: str
) -> None:
    page = admin_client.get(f"/admin/identity/user/{root.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"is_superuser": "on", "is_staff": "on", "is_active": "on", "department": root.department_id})
    data.pop("password", None)
    data.pop(flag)
    response = admin_client.post(f"/admin/identity/user/{root.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert list(errors) == [flag]
    assert "不能取消本人的" in errors[flag][0]
    root.refresh_from_db()
    assert root.is_superuser
    assert root.is_staff
    assert root.is_active
