"""Data scopes: which rows a user may see, resolved from role assignments and applied by selectors.

A scope is a union of grants. Selectors in any context call `scope.filter(queryset, ...)`, naming the
queryset's department / division / owner paths; a grant whose dimension the queryset lacks matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from shuzheng.identity import authz
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.models import RoleAssignment

if TYPE_CHECKING:
    from shuzheng.identity.models import User

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Grant:
    kind: str
    department_id: int | None = None
    department_path: str = ""
    division_id: int | None = None
    division_path: str = ""


@dataclass(frozen=True)
class DataScope:
    user_id: int | None
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    clearance: bool = False

    @property
    def is_all(self) -> bool:
        return any(g.kind == DataScopeKind.ALL for g in self.grants)

    @property
    def is_empty(self) -> bool:
        return not self.grants

    def q(self, *, department: str | None = None, division: str | None = None, owner: str | None = None) -> Q:
        """A Q over the given relation paths, e.g. department="department", division="division"."""
        if self.is_all:
            return Q()
        condition = Q(pk__in=[])
        for grant in self.grants:
            condition |= self._grant_q(grant, department=department, division=division, owner=owner)
        return condition

    def filter(self, queryset: QuerySet[M], **paths: Any) -> QuerySet[M]:
        return queryset.filter(self.q(**paths))

    def covers_department(self, department: Any) -> bool:
        """Whether a department (an orgs.Department instance) lies inside this scope."""
        if self.is_all:
            return True
        if department is None:
            return False
        for grant in self.grants:
            if grant.kind == DataScopeKind.DEPARTMENT and grant.department_id == department.pk:
                return True
            if (
                grant.kind == DataScopeKind.DEPARTMENT_TREE
                and grant.department_path
                and str(department.path).startswith(grant.department_path)
            ):
                return True
            if (
                grant.kind == DataScopeKind.DIVISION_TREE
                and grant.division_path
                and str(department.division.path).startswith(grant.division_path)
            ):
                return True
        return False

    def covers_division(self, division: Any) -> bool:
        """Whether a division (an orgs.Division instance) lies inside a division-tree grant of this scope."""
        if self.is_all:
            return True
        if division is None:
            return False
        return any(
            grant.kind == DataScopeKind.DIVISION_TREE
            and grant.division_path
            and str(division.path).startswith(grant.division_path)
            for grant in self.grants
        )

    def _grant_q(self, grant: Grant, *, department: str | None, division: str | None, owner: str | None) -> Q:
        kind = grant.kind
        if kind == DataScopeKind.SELF:
            return Q(**{owner: self.user_id}) if owner and self.user_id else Q(pk__in=[])
        if kind == DataScopeKind.DEPARTMENT and department and grant.department_id:
            return Q(**{f"{department}_id": grant.department_id})
        if kind == DataScopeKind.DEPARTMENT_TREE and department and grant.department_path:
            return Q(**{f"{department}__path__startswith": grant.department_path})
        if kind == DataScopeKind.DIVISION_TREE and grant.division_path:
            if division:
                return Q(**{f"{division}__path__startswith": grant.division_path})
            if department:
                return Q(**{f"{department}__division__path__startswith": grant.division_path})
        return Q(pk__in=[])


def _grant(assignment: RoleAssignment, home: Callable[[], Any]) -> Grant:
    """One assignment as a grant; missing department / division default to the user's own department."""
    department = assignment.department
    division = assignment.division
    if department is None and assignment.scope in (DataScopeKind.DEPARTMENT, DataScopeKind.DEPARTMENT_TREE):
        department = home()
    if division is None and assignment.scope == DataScopeKind.DIVISION_TREE:
        base = department if department is not None else home()
        division = base.division if base is not None else None
    return Grant(
        kind=assignment.scope,
        department_id=department.pk if department is not None else None,
        department_path=department.path if department is not None else "",
        division_id=division.pk if division is not None else None,
        division_path=division.path if division is not None else "",
    )


def data_scope_for(user: User | Any, permission: str | None = None) -> DataScope:
    """The union of the user's role assignments whose role holds `permission` ("app_label.codename").

    Scopes come only from role assignments: a permission held directly (user or group permission)
    gives no rows. Superusers see everything with clearance; anonymous users see nothing. An
    assignment of kind department / department_tree without a department applies to the user's own
    department; a division_tree without a division applies to the division of the user's department.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return DataScope(user_id=None)
    if not user.is_active:
        return DataScope(user_id=user.pk)
    if user.is_superuser:
        return DataScope(user_id=user.pk, grants=(Grant(kind=DataScopeKind.ALL),), clearance=True)
    grants = authz.snapshot(user).grants_for(permission)
    clearance = user.has_perm("identity.view_clear_personal_data")
    return DataScope(user_id=user.pk, grants=grants, clearance=clearance)
