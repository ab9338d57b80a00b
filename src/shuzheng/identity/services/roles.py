"""Roles and their assignments over data scopes: assign and revoke (with the rules people are held to),
roles ensured by loaders, role changes made in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Q

from shuzheng.core import audit
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.identity.actors import Actor
from shuzheng.identity.backends import forget_permissions
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.models import Role, RoleAssignment, User
from shuzheng.identity.scopes import data_scope_for
from shuzheng.identity.services.common import (
    assignment_snapshot,
    department_or_422,
    division_or_422,
    require_perm,
)


def role_assign_check(
    *,
    actor: Actor,
    user: User,
    role: Role,
    scope: str,
    department_id: int | None = None,
    division_id: int | None = None,
) -> tuple[Any, Any]:
    """Validate an assignment without writing; returns the (department, division) it will carry.

    People (not the platform) need `identity.add_roleassignment`, may not assign to themselves, may only
    hand out permissions they hold, and only over a scope inside their own. Kind department /
    department_tree default to the user's department, division_tree to its division.
    """
    if scope not in DataScopeKind.values:
        raise ValidationFailed.for_field("scope", "数据范围取值无效")
    department = department_or_422(department_id, required=False)
    division = division_or_422(division_id)
    if scope in (DataScopeKind.DEPARTMENT, DataScopeKind.DEPARTMENT_TREE):
        if department is None:
            department = user.department
        if department is None:
            raise ValidationFailed.for_field("department_id", "该数据范围需要指定部门")
        division = None
    elif scope == DataScopeKind.DIVISION_TREE:
        if division is None and user.department_id:
            division = user.department.division  # type: ignore[union-attr]
        if division is None:
            raise ValidationFailed.for_field("division_id", "该数据范围需要指定行政区划")
        department = None
    else:
        department, division = None, None

    if not isinstance(actor, SystemActor):
        require_perm(actor, "identity.add_roleassignment")
        actor_scope = data_scope_for(actor, "identity.add_roleassignment")
        if actor.pk == user.pk and not actor.is_superuser:
            raise PermissionDenied("不能给自己分配角色。")
        if not actor_scope.filter(User.objects.filter(pk=user.pk), department="department").exists():
            raise NotFound()
        if not actor.is_superuser:
            granted = {f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()}
            if not granted <= actor.get_all_permissions():
                raise PermissionDenied("不能分配超出本人权限的角色。")
        allowed = (
            actor_scope.is_all
            or (department is not None and actor_scope.covers_department(department))
            or (division is not None and actor_scope.covers_division(division))
            or scope == DataScopeKind.SELF
        )
        if not allowed:
            raise PermissionDenied("分配的数据范围超出了本人的数据范围。")

    exists = RoleAssignment.objects.filter(
        user=user, role=role, scope=scope, department=department, division=division
    ).exists()
    if exists:
        raise Conflict("该用户已拥有此角色和数据范围。", errors=[{"field": "role", "message": "重复分配"}])
    return department, division


@transaction.atomic
def role_assign(
    *,
    actor: Actor,
    user: User,
    role: Role,
    scope: str,
    department_id: int | None = None,
    division_id: int | None = None,
) -> RoleAssignment:
    """Give `user` the role `role` over a data scope (rules in `role_assign_check`); audited."""
    department, division = role_assign_check(
        actor=actor, user=user, role=role, scope=scope, department_id=department_id, division_id=division_id
    )
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, scope=scope, department=department, division=division
            )
    except IntegrityError as exc:
        raise Conflict("该用户已拥有此角色（同一部门或区划只能分配一次）。") from exc
    forget_permissions(user)
    audit.record(
        actor=actor, action="identity.role.assign", subject=assignment, after=assignment_snapshot(assignment)
    )
    return assignment


def _is_last_admin_role(assignment: RoleAssignment) -> bool:
    """Whether `assignment` is its user's only role that may hand out roles (an administrator role)."""
    admin_roles = Role.objects.filter(
        permissions__content_type__app_label="identity", permissions__codename="add_roleassignment"
    )
    if not admin_roles.filter(pk=assignment.role_id).exists():
        return False
    others = RoleAssignment.objects.filter(user_id=assignment.user_id, role__in=admin_roles)
    return not others.exclude(pk=assignment.pk).exists()


def role_revoke_check(*, actor: Actor, assignment: RoleAssignment) -> None:
    """Refuse, without writing, what `role_revoke` refuses: out of scope, one's own roles (people other
    than superusers), and a superuser's own last administrator role, which would lock them out."""
    if isinstance(actor, SystemActor):
        return
    require_perm(actor, "identity.delete_roleassignment")
    actor_scope = data_scope_for(actor, "identity.delete_roleassignment")
    visible = actor_scope.filter(User.objects.filter(pk=assignment.user_id), department="department")
    if not visible.exists():
        raise NotFound()
    if actor.pk != assignment.user_id:
        return
    if not actor.is_superuser:
        raise PermissionDenied("不能撤销自己的角色。")
    if _is_last_admin_role(assignment):
        raise PermissionDenied(
            f"不能撤销本人最后一个管理员角色（{assignment.role.name}）：撤销后本人将无法再管理账号与角色，"
            "请由其他管理员操作。"
        )


@transaction.atomic
def role_revoke(*, actor: Actor, assignment: RoleAssignment) -> None:
    # The user's row is locked first, so two revocations of the same user's roles cannot both pass.
    User.objects.select_for_update().filter(pk=assignment.user_id).exists()
    role_revoke_check(actor=actor, assignment=assignment)
    before = assignment_snapshot(assignment)
    subject_id = assignment.pk
    user = assignment.user
    assignment.delete()
    forget_permissions(user)
    audit.record(
        actor=actor,
        action="identity.role.revoke",
        subject_type="identity.roleassignment",
        subject_id=subject_id,
        before=before,
    )


def role_permission_names(role: Role) -> list[str]:
    return sorted(
        f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.select_related("content_type")
    )


@transaction.atomic
def role_record_change(*, actor: Actor, role: Role, created: bool, before: dict[str, Any] | None) -> None:
    """Audit a role saved through the admin (whose form writes the row and its permissions)."""
    after = {"code": role.code, "name": role.name, "permissions": role_permission_names(role)}
    if created:
        audit.record(actor=actor, action="identity.role.create", subject=role, after=after)
    elif before != after:
        audit.record(actor=actor, action="identity.role.update", subject=role, before=before, after=after)


@transaction.atomic
def role_ensure(*, actor: Actor, code: str, name: str, description: str = "", permissions: list[str]) -> Role:
    """Create the role if missing and make sure it holds `permissions` ("app_label.codename").

    Unknown permissions are skipped, so a role can name permissions of contexts installed later.
    Idempotent; audited when something changed.
    """
    require_perm(actor, "identity.change_role")
    role, created = Role.objects.get_or_create(code=code, defaults={"name": name, "description": description})
    before = (
        None
        if created
        else {"code": role.code, "name": role.name, "permissions": role_permission_names(role)}
    )
    wanted = {tuple(p.split(".", 1)) for p in permissions if "." in p}
    if wanted:
        query = Q()
        for app_label, codename in wanted:
            query |= Q(content_type__app_label=app_label, codename=codename)
        role.permissions.add(*Permission.objects.filter(query))
    role_record_change(actor=actor, role=role, created=created, before=before)
    return role
