"""Authorization snapshots shared across requests: any change of roles, permissions, groups or the org tree
is seen by the next request (which loads the user row afresh), and a cached snapshot saves the queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import override_settings

from shuzheng.core.actors import SYSTEM
from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.scopes import data_scope_for
from shuzheng.identity.services import roles as role_services
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import RoleFactory
from shuzheng.orgs.models import Department
from shuzheng.orgs.services import departments as org_departments

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_snapshots")]


@pytest.fixture
def shared_snapshots():
    from django.core.cache import cache

    cache.clear()
    with override_settings(SHUZHENG_AUTHZ_CACHE_SECONDS=300):
        yield
    cache.clear()


def request_user(user: User) -> User:
    """What the authentication middleware loads for each request."""
    return User.objects.get(pk=user.pk)


def test_a_cached_snapshot_answers_without_queries(org, django_assert_num_queries) -> None:
    user = staff(org.bureau)
    grant(user, ["identity.view_user"])
    request_user(user).has_perm("identity.view_user")  # first request fills the cache
    later = request_user(user)
    with django_assert_num_queries(0):
        assert later.has_perm("identity.view_user")
        assert data_scope_for(later, "identity.view_user").grants[0].department_id == org.bureau.pk


def test_grant_and_revoke_take_effect_on_the_next_request(org) -> None:
    user = staff(org.bureau)
    assert not request_user(user).has_perm("identity.view_user")
    assignment = grant(user, ["identity.view_user"])
    assert request_user(user).has_perm("identity.view_user")
    role_services.role_revoke(actor=SYSTEM, assignment=assignment)
    assert not request_user(user).has_perm("identity.view_user")
    assert data_scope_for(request_user(user), "identity.view_user").is_empty


def test_a_role_losing_a_permission_reaches_every_holder(org) -> None:
    role = RoleFactory.create(perms=["identity.view_user", "identity.view_role"])
    first, second = staff(org.bureau), staff(org.bureau)
    for user in (first, second):
        role_services.role_assign(actor=SYSTEM, user=user, role=role, scope=DataScopeKind.DEPARTMENT)
        assert request_user(user).has_perm("identity.view_role")
    role.permissions.remove(Permission.objects.get(codename="view_role"))
    assert not request_user(first).has_perm("identity.view_role")
    assert not request_user(second).has_perm("identity.view_role")
    assert request_user(second).has_perm("identity.view_user")


def test_group_and_direct_permissions_are_seen(org) -> None:
    user = staff(org.bureau)
    assert not request_user(user).has_perm("identity.add_user")
    group = Group.objects.create(name="账号管理")
    group.permissions.add(Permission.objects.get(codename="add_user"))
    user.groups.add(group)
    assert request_user(user).has_perm("identity.add_user")
    group.permissions.clear()
    assert not request_user(user).has_perm("identity.add_user")
    user.user_permissions.add(Permission.objects.get(codename="delete_user"))
    assert request_user(user).has_perm("identity.delete_user")


def test_a_moved_department_moves_the_tree_grant(org) -> None:
    user = staff(org.town_gov)
    grant(user, ["identity.view_user"], DataScopeKind.DEPARTMENT_TREE, department=org.town_gov)
    before = data_scope_for(request_user(user), "identity.view_user").grants[0].department_path
    org_departments.department_update(actor=SYSTEM, department=org.town_gov, parent=org.bureau)
    after = data_scope_for(request_user(user), "identity.view_user").grants[0].department_path
    assert after != before
    assert after == Department.objects.get(pk=org.town_gov.pk).path


def test_deleting_a_group_takes_its_permissions_away(org) -> None:
    user = staff(org.bureau)
    group = Group.objects.create(name="临时授权")
    group.permissions.add(Permission.objects.get(codename="add_user"))
    user.groups.add(group)
    assert request_user(user).has_perm("identity.add_user")
    group.delete()
    assert not request_user(user).has_perm("identity.add_user")
