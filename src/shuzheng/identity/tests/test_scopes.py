"""Data scopes: each kind, unions of assignments, permission filtering, and the helpers selectors use."""

from __future__ import annotations

import pytest

from shuzheng.identity.models import DataScopeKind, User
from shuzheng.identity.scopes import DataScope, Grant, data_scope_for
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import CitizenFactory
from shuzheng.orgs.models import Department

pytestmark = pytest.mark.django_db

VIEW = "identity.view_user"


@pytest.fixture
def people(org):
    """One staff member in each department of the test organisation, plus a citizen."""
    return {
        "bureau": staff(org.bureau, username="p_bureau"),
        "bureau_unit": staff(org.bureau_unit, username="p_unit"),
        "other_bureau": staff(org.other_bureau, username="p_other"),
        "town_gov": staff(org.town_gov, username="p_town"),
        "village_station": staff(org.village_station, username="p_village"),
        "other_town_gov": staff(org.other_town_gov, username="p_other_town"),
        "citizen": CitizenFactory.create(username="p_citizen"),
    }


def visible(user: User, permission: str | None = VIEW) -> set[str]:
    scope = data_scope_for(User.objects.get(pk=user.pk), permission)
    return set(
        scope.filter(User.objects.all(), department="department", owner="pk").values_list(
            "username", flat=True
        )
    )


def test_self_scope_sees_only_oneself(org, people) -> None:
    viewer = people["village_station"]
    grant(viewer, [VIEW], DataScopeKind.SELF, department=None)
    assert visible(viewer) == {"p_village"}


def test_department_scope_is_that_department_only(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT)
    assert visible(viewer) == {"p_bureau", "viewer"}


def test_department_tree_includes_sub_units(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT_TREE)
    assert visible(viewer) == {"p_bureau", "p_unit", "viewer"}


def test_division_tree_covers_departments_located_in_the_division_and_below(org, people) -> None:
    viewer = staff(org.town_gov, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.DIVISION_TREE, department=None, division=org.town)
    assert visible(viewer) == {"p_town", "p_village", "viewer"}


def test_all_scope_sees_everyone(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.ALL, department=None)
    assert visible(viewer) == set(User.objects.values_list("username", flat=True))
    assert data_scope_for(viewer, VIEW).is_all


def test_union_of_several_assignments(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT)
    grant(viewer, [VIEW], DataScopeKind.DIVISION_TREE, department=None, division=org.other_town)
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT, department=org.other_bureau)
    assert visible(viewer) == {"viewer", "p_bureau", "p_other", "p_other_town"}


def test_only_assignments_whose_role_holds_the_permission_count(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT)
    grant(viewer, ["identity.view_role"], DataScopeKind.ALL, department=None)
    assert visible(viewer) == {"p_bureau", "viewer"}
    assert visible(viewer, "identity.view_role") == set(User.objects.values_list("username", flat=True))
    assert data_scope_for(viewer, "identity.delete_user").is_empty
    assert visible(viewer, "identity.delete_user") == set()


def test_without_permission_argument_every_assignment_counts(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT)
    grant(viewer, ["identity.view_role"], DataScopeKind.DEPARTMENT, department=org.other_bureau)
    assert visible(viewer, permission=None) == {"p_bureau", "viewer", "p_other"}


def test_assignment_without_department_means_the_users_own(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT_TREE, department=None)
    assert visible(viewer) == {"p_bureau", "p_unit", "viewer"}
    town_viewer = staff(org.town_gov, username="town_viewer")
    grant(town_viewer, [VIEW], DataScopeKind.DIVISION_TREE, department=None)
    assert visible(town_viewer) == {"p_town", "p_village", "town_viewer"}


def test_anonymous_and_inactive_and_unassigned_see_nothing(org, people) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert data_scope_for(AnonymousUser(), VIEW).is_empty
    assert data_scope_for(None, VIEW).is_empty
    inactive = staff(org.bureau, username="inactive", is_active=False)
    grant(inactive, [VIEW], DataScopeKind.ALL, department=None)
    assert visible(inactive) == set()
    assert visible(staff(org.bureau, username="nobody")) == set()


def test_superuser_scope_is_all_with_clearance(org, people) -> None:
    root = staff(org.bureau, username="root", is_superuser=True)
    scope = data_scope_for(root, VIEW)
    assert scope.is_all
    assert scope.clearance


def test_clearance_follows_the_permission(org) -> None:
    viewer = staff(org.bureau)
    grant(viewer, [VIEW])
    assert not data_scope_for(User.objects.get(pk=viewer.pk), VIEW).clearance
    grant(viewer, ["identity.view_clear_personal_data"])
    assert data_scope_for(User.objects.get(pk=viewer.pk), VIEW).clearance


def test_a_grant_on_a_dimension_the_queryset_lacks_matches_nothing(org, people) -> None:
    viewer = staff(org.bureau, username="viewer")
    grant(viewer, [VIEW], DataScopeKind.SELF, department=None)
    scope = data_scope_for(viewer, VIEW)
    # No owner path given: the self grant cannot apply.
    assert not scope.filter(User.objects.all(), department="department").exists()


def test_division_path_is_preferred_when_the_queryset_has_one(org) -> None:
    scope = DataScope(
        user_id=1, grants=(Grant(kind=DataScopeKind.DIVISION_TREE, division_path=org.town.path),)
    )
    departments = scope.filter(Department.objects.all(), division="division")
    assert set(departments.values_list("code", flat=True)) == {"T100", "T100-01"}


def test_covers_department_and_division(org) -> None:
    viewer = staff(org.bureau)
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT_TREE)
    grant(viewer, [VIEW], DataScopeKind.DIVISION_TREE, department=None, division=org.town)
    scope = data_scope_for(viewer, VIEW)
    assert scope.covers_department(org.bureau)
    assert scope.covers_department(org.bureau_unit)
    assert scope.covers_department(org.village_station)
    assert not scope.covers_department(org.other_bureau)
    assert not scope.covers_department(None)
    assert scope.covers_division(org.village)
    assert not scope.covers_division(org.other_town)
    assert DataScope(user_id=None, grants=(Grant(kind=DataScopeKind.ALL),)).covers_department(
        org.other_bureau
    )


def test_sibling_paths_with_a_common_prefix_are_not_confused(org) -> None:
    # "/T001/" must not cover "/T0010/" although one string starts like the other.
    lookalike = Department.objects.create(
        code="T0010", name="相似编码部门", division=org.city, path="/T0010/"
    )
    viewer = staff(org.bureau)
    grant(viewer, [VIEW], DataScopeKind.DEPARTMENT_TREE)
    assert not data_scope_for(viewer, VIEW).covers_department(lookalike)
