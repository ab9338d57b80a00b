"""Reads with rules: users and roles as the caller's data scope allows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet

from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.validators import validate_id_number
from shuzheng.identity.models import Role, RoleAssignment, User
from shuzheng.identity.scopes import DataScope, Grant, _grant, data_scope_for
from shuzheng.orgs import selectors as orgs_selectors

USER_ORDER = ("username",)


def _require_perm(actor: Any, permission: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied()


def user_scope(actor: Any, permission: str = "identity.view_user") -> DataScope:
    return data_scope_for(actor, permission)


def user_visible_queryset(*, actor: Any, permission: str = "identity.view_user") -> QuerySet[User]:
    """Users in the actor's scope for `permission`: by department; `self` grants give the actor only."""
    scope = data_scope_for(actor, permission)
    return scope.filter(User.objects.all(), department="department", owner="pk")


def user_list(
    *,
    actor: Any,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    kind: str | None = None,
    department_id: int | None = None,
    search: str | None = None,
) -> Page[User]:
    """A keyset page of users ordered by username, within the actor's `identity.view_user` scope."""
    _require_perm(actor, "identity.view_user")
    queryset = user_visible_queryset(actor=actor).select_related("department")
    if kind:
        queryset = queryset.filter(kind=kind)
    if department_id is not None:
        queryset = queryset.filter(department_id=department_id)
    if search:
        search = search.strip()
        queryset = queryset.filter(Q(username__istartswith=search) | Q(full_name__contains=search))
    return keyset_page(queryset, order=USER_ORDER, cursor=cursor, limit=limit)


def user_get(*, actor: Any, user_id: int, permission: str = "identity.view_user") -> User:
    """One user; outside the actor's scope it does not exist (404), so ids cannot be probed."""
    if actor is not None and getattr(actor, "pk", None) == user_id:
        return User.objects.select_related("department").get(pk=user_id)
    _require_perm(actor, permission)
    user = (
        user_visible_queryset(actor=actor, permission=permission)
        .select_related("department")
        .filter(pk=user_id)
        .first()
    )
    if user is None:
        raise NotFound()
    return user


def user_assignments(*, user: User) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(user=user)
        .select_related("role", "department", "division")
        .order_by("role__code", "pk")
    )


def role_list(*, actor: Any) -> list[Role]:
    _require_perm(actor, "identity.view_role")
    permissions = Permission.objects.select_related("content_type").order_by(
        "content_type__app_label", "codename"
    )
    return list(Role.objects.prefetch_related(Prefetch("permissions", queryset=permissions)).order_by("code"))


def role_get(*, code: str) -> Role:
    """A role by code; unknown codes are bad input naming the `role` field."""
    role = Role.objects.filter(code=code).first()
    if role is None:
        raise ValidationFailed.for_field("role", "角色不存在")
    return role


def assignment_get(*, actor: Any, assignment_id: int) -> RoleAssignment:
    """An assignment whose user lies in the actor's `identity.view_user` scope; 404 otherwise."""
    assignment = RoleAssignment.objects.select_related("user", "role").filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound()
    user_get(actor=actor, user_id=assignment.user_id)
    return assignment


def citizen_get_by_id_number(id_number: str) -> User | None:
    """The person (citizen or enterprise agent) registered with this ID number, via the blind index."""
    try:
        number = validate_id_number(id_number)
    except ValidationFailed:
        return None
    return (
        User.objects.filter(
            id_number_index=blind_index(number),
            kind__in=[User.Kind.CITIZEN, User.Kind.ENTERPRISE_AGENT],
        )
        .select_related("department")
        .first()
    )


def permission_names(permissions: Any) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)


# --- roles held for a department (workflow steps) ---------------------------------------------------


def _department_with_division(department_id: int) -> Any:
    return orgs_selectors.department_queryset(include_inactive=True).filter(pk=department_id).first()


def _role_grants(assignments: list[RoleAssignment]) -> dict[int, list[Grant]]:
    """Grants per user of the given assignments (missing departments default to the user's own)."""
    grants: dict[int, list[Grant]] = {}
    for assignment in assignments:
        user = assignment.user

        def home(user: User = user) -> Any:
            return user.department if user.department_id else None

        grants.setdefault(user.pk, []).append(_grant(assignment, home))
    return grants


def user_has_role_for_department(user: Any, role_code: str, department_id: int) -> bool:
    """Whether `user` holds the role `role_code` through an assignment whose data scope covers the
    department (its own department, a department tree above it, a division tree around it, or all).

    Workflow steps name the role that acts on them (``WorkflowStep.role_code``); superusers act on any.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    assignments = list(
        RoleAssignment.objects.filter(user_id=user.pk, role__code=role_code).select_related(
            "user__department__division", "department__division", "division"
        )
    )
    if not assignments:
        return False
    department = _department_with_division(department_id)
    if department is None:
        return False
    grants = _role_grants(assignments).get(user.pk, [])
    return DataScope(user_id=user.pk, grants=tuple(grants)).covers_department(department)


def users_with_role_for_department(role_code: str, department_id: int) -> list[User]:
    """Active users holding `role_code` with a scope covering the department (see
    `user_has_role_for_department`), ordered by username."""
    department = _department_with_division(department_id)
    if department is None:
        return []
    assignments = list(
        RoleAssignment.objects.filter(role__code=role_code, user__is_active=True).select_related(
            "user__department__division", "department__division", "division"
        )
    )
    users = {a.user_id: a.user for a in assignments}
    return sorted(
        (
            users[user_id]
            for user_id, grants in _role_grants(assignments).items()
            if DataScope(user_id=user_id, grants=tuple(grants)).covers_department(department)
        ),
        key=lambda u: u.username,
    )


def role_names() -> dict[str, str]:
    """Every role's Chinese name by its code (messages that name roles by code are shown with names)."""
    return dict(Role.objects.values_list("code", "name"))


def role_name(code: str) -> str | None:
    """The Chinese name of the role `code`, or None when no such role exists (messages naming a role)."""
    return Role.objects.filter(code=code).values_list("name", flat=True).first()


def user_by_username(username: str) -> User | None:
    """An account by its login name, or None (a command names the person it acts for; a demo loader finds
    the account it gives a role)."""
    return User.objects.filter(username=username).first()


def staff_holding(*, permission: str, department_id: int) -> QuerySet[User]:
    """Active staff of a department who hold `permission` ("app_label.codename") through a role, by id.
    Superusers hold every permission as platform administrators and are left out (work is not handed
    to them)."""
    app_label, _, codename = permission.partition(".")
    return (
        User.objects.filter(
            is_active=True,
            is_superuser=False,
            kind=User.Kind.STAFF,
            department_id=department_id,
            assignments__role__permissions__content_type__app_label=app_label,
            assignments__role__permissions__codename=codename,
        )
        .distinct()
        .order_by("pk")
    )


def users_by_username(usernames: set[str]) -> dict[str, User]:
    """Accounts by login name (one query; unknown names are left out)."""
    return {u.username: u for u in User.objects.filter(username__in=usernames)}


def has_assignment(*, user: User, role: Role, department: Any = None, division: Any = None) -> bool:
    """Whether `user` already holds `role` over exactly this department and division (loaders skip it)."""
    return RoleAssignment.objects.filter(
        user=user, role=role, department=department, division=division
    ).exists()
