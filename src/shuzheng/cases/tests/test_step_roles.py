"""Workflow steps are acted on by the holders of the step's role for the step's department."""

from __future__ import annotations

import pytest

from shuzheng.cases.models import CaseStatusChange
from shuzheng.cases.tests.conftest import REVIEW, World
from shuzheng.core.errors import PermissionDenied
from shuzheng.identity.models import AuditEvent, DataScopeKind, Role, User
from shuzheng.identity.selectors import user_has_role_for_department, users_with_role_for_department
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import UserFactory


@pytest.mark.django_db
def test_a_step_of_another_department(world: World) -> None:
    step = world.steps[0]
    step.department = world.org.other_bureau
    step.save(update_fields=["department"])
    other_reviewer = staff(world.org.other_bureau)
    grant(other_reviewer, REVIEW, code="case_reviewer")
    case = world.move(world.move(world.submit(), "accept"), "start_review")
    assert case.acting_user is None  # the bureau's reviewer does not hold the role there
    version, events = case.lock_version, AuditEvent.objects.count()
    with pytest.raises(PermissionDenied) as caught:
        world.move(case, "complete_step", actor=world.reviewer)
    assert caught.value.code == "not_step_role"
    assert step.role_code not in caught.value.detail  # the role's Chinese name, never its code
    assert f"“{Role.objects.get(code=step.role_code).name}”" in caught.value.detail
    case.refresh_from_db()
    assert case.lock_version == version
    assert AuditEvent.objects.count() == events
    assert not CaseStatusChange.objects.filter(case=case, action="complete_step").exists()
    case = world.move(case, "complete_step", actor=other_reviewer)
    assert case.current_step == world.steps[1]
    assert case.step_department == world.org.bureau


@pytest.mark.django_db
def test_user_has_role_for_department_honours_scopes(world: World) -> None:
    org = world.org
    tree = staff(org.bureau)
    grant(tree, [], DataScopeKind.DEPARTMENT_TREE, code="case_reviewer")
    town = staff(org.town_gov)
    grant(town, [], DataScopeKind.DIVISION_TREE, division=org.town, code="case_reviewer")
    own = staff(org.bureau)
    grant(own, [], DataScopeKind.DEPARTMENT, department=None, code="case_reviewer")
    own_assignment = own.assignments.get()
    own_assignment.department = None
    own_assignment.save(update_fields=["department"])
    boss = UserFactory.create(is_superuser=True)
    inactive = staff(org.bureau, is_active=False)
    grant(inactive, [], code="case_reviewer")

    assert user_has_role_for_department(tree, "case_reviewer", org.bureau_unit.pk)
    assert not user_has_role_for_department(tree, "case_reviewer", org.other_bureau.pk)
    assert not user_has_role_for_department(tree, "case_approver", org.bureau.pk)
    assert user_has_role_for_department(town, "case_reviewer", org.village_station.pk)
    assert not user_has_role_for_department(town, "case_reviewer", org.other_town_gov.pk)
    assert user_has_role_for_department(own, "case_reviewer", org.bureau.pk)  # home department
    assert not user_has_role_for_department(own, "case_reviewer", org.bureau_unit.pk)
    assert user_has_role_for_department(boss, "anything", org.bureau.pk)
    assert not user_has_role_for_department(inactive, "case_reviewer", org.bureau.pk)
    assert not user_has_role_for_department(tree, "case_reviewer", 10**9)

    holders = users_with_role_for_department("case_reviewer", org.bureau.pk)
    assert {u.pk for u in holders} == {world.reviewer.pk, tree.pk, own.pk}
    assert all(isinstance(u, User) for u in holders)
