"""Account and role services: validation, encryption with blind index, duplicates, scope rules, audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.validators import generate_id_number, generate_uscc
from shuzheng.identity import selectors
from shuzheng.identity.models import AuditEvent, DataScopeKind, RoleAssignment, User
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.services import roles as role_services
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import RoleFactory

pytestmark = pytest.mark.django_db

ID_1 = generate_id_number("440785", date(1990, 3, 7), 1, False)
ID_2 = generate_id_number("440785", date(1985, 11, 20), 2, True)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_citizen_create_encrypts_the_id_number_and_indexes_it() -> None:
    user = account_services.citizen_create(
        actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1.lower(), mobile="13707500001"
    )
    assert user.kind == User.Kind.CITIZEN
    assert user.id_number == ID_1
    assert user.id_number_index == blind_index(ID_1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, mobile FROM identity_user WHERE id = %s", [user.pk])
        stored_id, stored_mobile = cursor.fetchone()
    assert ID_1 not in stored_id
    assert stored_id.startswith("sm4gcm$")
    assert "13707500001" not in stored_mobile
    assert not user.has_usable_password()
    assert selectors.citizen_get_by_id_number(ID_1) == user
    assert selectors.citizen_get_by_id_number(f" {ID_1.lower()} ") == user
    assert selectors.citizen_get_by_id_number(ID_2) is None
    assert selectors.citizen_get_by_id_number("not a number") is None


def test_citizen_create_audits_without_personal_data() -> None:
    user = account_services.citizen_create(
        actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1
    )
    event = AuditEvent.objects.get(action="identity.user.create")
    assert event.subject_id == str(user.pk)
    text = str(event.after)
    assert ID_1 not in text
    assert "陈建明" not in text
    assert event.after is not None
    assert event.after["full_name"] == "陈*明"


def test_duplicate_id_number_is_refused() -> None:
    account_services.citizen_create(actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1)
    with pytest.raises(Conflict) as excinfo:
        account_services.citizen_create(actor=SYSTEM, username="chenjm2", full_name="陈建明", id_number=ID_1)
    assert excinfo.value.errors[0]["field"] == "id_number"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("id_number", "fragment"),
    [("", "不能为空"), ("44078519900307", "18位"), (ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1"), "校验位")],
)
def test_invalid_id_number_names_the_field(id_number: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        account_services.citizen_create(
            actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=id_number
        )
    assert excinfo.value.errors[0]["field"] == "id_number"
    assert fragment in excinfo.value.errors[0]["message"]
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("username", {"username": "a b"}),
        ("full_name", {"full_name": "  "}),
        ("mobile", {"mobile": "12345"}),
        ("email", {"email": "not-an-email"}),
        ("password", {"password": "short"}),
    ],
)
def test_bad_citizen_fields_are_named(field: str, kwargs: dict) -> None:
    data = {"username": "chenjm", "full_name": "陈建明", "id_number": ID_1, **kwargs}
    with pytest.raises(ValidationFailed) as excinfo:
        account_services.citizen_create(actor=SYSTEM, **data)
    assert excinfo.value.errors[0]["field"] == field
    assert not User.objects.exists()


def test_duplicate_username_is_refused_case_insensitively() -> None:
    account_services.citizen_create(actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1)
    with pytest.raises(Conflict) as excinfo:
        account_services.citizen_create(actor=SYSTEM, username="ChenJM", full_name="陈建明", id_number=ID_2)
    assert excinfo.value.errors[0]["field"] == "username"


def test_enterprise_agent_needs_a_valid_uscc() -> None:
    uscc = generate_uscc("440785", 7)
    agent = account_services.enterprise_agent_create(
        actor=SYSTEM,
        username="agent",
        full_name="吴嘉伟",
        id_number=ID_2,
        enterprise_uscc=uscc.lower(),
        enterprise_name="恩平市测试有限公司",
        password="Qiaoxiang#01",
    )
    assert agent.kind == User.Kind.ENTERPRISE_AGENT
    assert agent.enterprise_uscc == uscc
    assert agent.check_password("Qiaoxiang#01")
    assert agent.password_history.count() == 1
    with pytest.raises(ValidationFailed) as excinfo:
        account_services.enterprise_agent_create(
            actor=SYSTEM,
            username="agent2",
            full_name="吴嘉伟",
            id_number=ID_1,
            enterprise_uscc=uscc[:-1] + ("0" if uscc[-1] != "0" else "1"),
            enterprise_name="恩平市测试有限公司",
        )
    assert excinfo.value.errors[0]["field"] == "enterprise_uscc"


def test_staff_create_is_limited_to_the_actors_scope(org) -> None:
    clerk = staff(org.bureau, username="clerk")
    with pytest.raises(PermissionDenied):
        account_services.staff_create(
            actor=fresh(clerk), username="newbie", full_name="新人", department_id=org.bureau.pk
        )
    grant(clerk, ["identity.add_user"], DataScopeKind.DEPARTMENT_TREE)
    created = account_services.staff_create(
        actor=fresh(clerk), username="newbie", full_name="新人", department_id=org.bureau_unit.pk
    )
    assert created.department == org.bureau_unit
    with pytest.raises(PermissionDenied):
        account_services.staff_create(
            actor=fresh(clerk), username="newbie2", full_name="新人", department_id=org.other_bureau.pk
        )
    with pytest.raises(ValidationFailed) as excinfo:
        account_services.staff_create(
            actor=fresh(clerk), username="newbie3", full_name="新人", department_id=999999
        )
    assert excinfo.value.errors[0]["field"] == "department_id"
    assert AuditEvent.objects.get(action="identity.user.create").actor_id == clerk.pk


# --- roles ---------------------------------------------------------------------------------------


@pytest.fixture
def manager(org) -> User:
    manager = staff(org.bureau, username="manager")
    grant(
        manager,
        [
            "identity.add_roleassignment",
            "identity.delete_roleassignment",
            "identity.view_user",
            "identity.view_role",
        ],
        DataScopeKind.DEPARTMENT_TREE,
    )
    return fresh(manager)


def test_role_assign_and_revoke_are_audited(org, manager) -> None:
    target = staff(org.bureau_unit, username="target")
    role = RoleFactory.create(code="viewer", perms=["identity.view_user"])
    assignment = role_services.role_assign(
        actor=manager,
        user=target,
        role=role,
        scope=DataScopeKind.DEPARTMENT,
        department_id=org.bureau_unit.pk,
    )
    assert fresh(target).has_perm("identity.view_user")
    event = AuditEvent.objects.get(action="identity.role.assign")
    assert event.actor_id == manager.pk
    assert event.after == {
        "user_id": target.pk,
        "username": "target",
        "role": "viewer",
        "scope": "department",
        "department_id": org.bureau_unit.pk,
        "division_id": None,
    }
    assignment_id = assignment.pk
    role_services.role_revoke(actor=manager, assignment=assignment)
    assert not RoleAssignment.objects.filter(pk=assignment_id).exists()
    assert not fresh(target).has_perm("identity.view_user")
    revoked = AuditEvent.objects.get(action="identity.role.revoke")
    assert revoked.subject_id == str(assignment_id)
    assert revoked.before is not None
    assert revoked.before["role"] == "viewer"


def test_department_defaults_to_the_users_own(org, manager) -> None:
    target = staff(org.bureau_unit, username="target")
    role = RoleFactory.create(perms=["identity.view_user"])
    assignment = role_services.role_assign(
        actor=manager, user=target, role=role, scope=DataScopeKind.DEPARTMENT_TREE
    )
    assert assignment.department == org.bureau_unit


def test_cannot_hand_out_permissions_one_lacks(org, manager) -> None:
    target = staff(org.bureau_unit)
    role = RoleFactory.create(perms=["identity.delete_user"])
    with pytest.raises(PermissionDenied, match="超出本人权限"):
        role_services.role_assign(actor=manager, user=target, role=role, scope=DataScopeKind.DEPARTMENT)
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_cannot_assign_beyond_ones_scope(org, manager) -> None:
    target = staff(org.bureau_unit)
    role = RoleFactory.create(perms=["identity.view_user"])
    with pytest.raises(PermissionDenied, match="数据范围"):
        role_services.role_assign(actor=manager, user=target, role=role, scope=DataScopeKind.ALL)
    with pytest.raises(PermissionDenied, match="数据范围"):
        role_services.role_assign(
            actor=manager,
            user=target,
            role=role,
            scope=DataScopeKind.DEPARTMENT,
            department_id=org.other_bureau.pk,
        )
    role_services.role_assign(actor=manager, user=target, role=role, scope=DataScopeKind.SELF)


def test_users_outside_the_scope_do_not_exist_for_the_assigner(org, manager) -> None:
    outsider = staff(org.other_bureau)
    role = RoleFactory.create(perms=["identity.view_user"])
    with pytest.raises(NotFound):
        role_services.role_assign(actor=manager, user=outsider, role=role, scope=DataScopeKind.DEPARTMENT)


def test_cannot_assign_to_oneself(org, manager) -> None:
    role = RoleFactory.create(perms=["identity.view_user"])
    with pytest.raises(PermissionDenied, match="自己"):
        role_services.role_assign(actor=manager, user=manager, role=role, scope=DataScopeKind.DEPARTMENT)


def test_duplicate_assignment_is_a_conflict(org, manager) -> None:
    target = staff(org.bureau_unit)
    role = RoleFactory.create(perms=["identity.view_user"])
    role_services.role_assign(actor=manager, user=target, role=role, scope=DataScopeKind.SELF)
    with pytest.raises(Conflict):
        role_services.role_assign(actor=manager, user=target, role=role, scope=DataScopeKind.SELF)
    assert RoleAssignment.objects.filter(user=target).count() == 1


def test_division_tree_needs_a_division(org) -> None:
    role = RoleFactory.create(perms=["identity.view_user"])
    citizen = account_services.citizen_create(
        actor=SYSTEM, username="chenjm", full_name="陈建明", id_number=ID_1
    )
    with pytest.raises(ValidationFailed) as excinfo:
        role_services.role_assign(actor=SYSTEM, user=citizen, role=role, scope=DataScopeKind.DIVISION_TREE)
    assert excinfo.value.errors[0]["field"] == "division_id"
    town_staff = staff(org.town_gov)
    assignment = role_services.role_assign(
        actor=SYSTEM, user=town_staff, role=role, scope=DataScopeKind.DIVISION_TREE
    )
    assert assignment.division == org.town


def test_revoke_needs_permission_and_scope(org, manager) -> None:
    target = staff(org.other_bureau)
    role = RoleFactory.create(perms=["identity.view_user"])
    assignment = role_services.role_assign(actor=SYSTEM, user=target, role=role, scope=DataScopeKind.SELF)
    with pytest.raises(NotFound):
        role_services.role_revoke(actor=manager, assignment=assignment)
    plain = fresh(staff(org.bureau))
    with pytest.raises(PermissionDenied):
        role_services.role_revoke(actor=plain, assignment=assignment)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_role_ensure_is_idempotent_and_skips_unknown_permissions() -> None:
    role = role_services.role_ensure(
        actor=SYSTEM, code="clerk", name="窗口", permissions=["identity.view_user", "nosuch.perm", "garbage"]
    )
    assert role_services.role_permission_names(role) == ["identity.view_user"]
    assert AuditEvent.objects.filter(action="identity.role.create").count() == 1
    role_services.role_ensure(actor=SYSTEM, code="clerk", name="窗口", permissions=["identity.view_user"])
    assert AuditEvent.objects.filter(action__startswith="identity.role.").count() == 1
    role_services.role_ensure(actor=SYSTEM, code="clerk", name="窗口", permissions=["identity.add_user"])
    assert AuditEvent.objects.filter(action="identity.role.update").count() == 1
