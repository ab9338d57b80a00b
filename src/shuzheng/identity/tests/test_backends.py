"""Permissions come from roles; cached per user object (one request); superusers hold all."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from shuzheng.identity.backends import RoleBackend
from shuzheng.identity.models import User
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_user_holds_the_permissions_of_all_assigned_roles(org) -> None:
    user = staff(org.bureau)
    grant(user, ["identity.view_user"])
    grant(user, ["identity.view_role", "identity.add_user"])
    user = fresh(user)
    assert user.has_perm("identity.view_user")
    assert user.has_perm("identity.add_user")
    assert user.has_perms(["identity.view_role", "identity.view_user"])
    assert not user.has_perm("identity.delete_user")
    assert {"identity.view_user", "identity.view_role", "identity.add_user"} <= user.get_all_permissions()
    assert user.has_module_perms("identity")
    assert not user.has_module_perms("orgs")


def test_no_role_no_permission(org) -> None:
    user = fresh(staff(org.bureau))
    assert user.get_all_permissions() == set()
    assert not user.has_perm("identity.view_user")
    assert not user.has_perm("identity.view_clear_personal_data")


def test_clearance_is_a_role_permission(org) -> None:
    user = staff(org.bureau)
    grant(user, ["identity.view_clear_personal_data"])
    assert fresh(user).has_perm("identity.view_clear_personal_data")


def test_inactive_users_hold_nothing(org) -> None:
    user = staff(org.bureau, is_active=False)
    grant(user, ["identity.view_user"])
    assert not fresh(user).has_perm("identity.view_user")
    assert RoleBackend().get_all_permissions(fresh(user)) == set()


def test_superuser_holds_everything(org) -> None:
    user = staff(org.bureau, is_superuser=True)
    user = fresh(user)
    assert user.has_perm("identity.view_clear_personal_data")
    assert user.has_perm("orgs.delete_department")
    assert len(RoleBackend().get_all_permissions(user)) == Permission.objects.count()


def test_permissions_are_cached_on_the_user_object(org, django_assert_num_queries) -> None:
    user = staff(org.bureau)
    grant(user, ["identity.view_user"])
    user = fresh(user)
    user.has_perm("identity.view_user")  # fills the cache
    with django_assert_num_queries(0):
        for _ in range(5):
            assert user.has_perm("identity.view_user")
            assert not user.has_perm("identity.add_user")


def test_object_permissions_are_not_granted_by_roles(org) -> None:
    user = staff(org.bureau)
    grant(user, ["identity.view_user"])
    assert not RoleBackend().has_perm(fresh(user), "identity.view_user", obj=user)


def test_shared_role_reaches_every_holder() -> None:
    role = RoleFactory.create(perms=["identity.view_role"])
    holders = [UserFactory.create() for _ in range(2)]
    for user in holders:
        RoleAssignmentFactory.create(user=user, role=role)
    assert all(fresh(u).has_perm("identity.view_role") for u in holders)
