"""Data scopes: which rows a user may see, resolved from role assignments and applied by selectors.

A scope is a union of grants. Selectors in any context call `scope.filter(queryset, ...)`, naming the
queryset's department / division / owner paths; a grant whose dimension the queryset lacks matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from shuzheng.identity.models import DataScopeKind, RoleAssignment

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

    def q(self, *, department: str | None = None, division: str | None = None,
          owner: str | None = None) -> Q:
        """A Q over the given relation paths, e.g. department="department", division="division"."""
        if self.is_all:
            return Q()
        condition = Q(pk__in=[])
        for grant in self.grants:
            condition |= self._grant_q(grant, department=department, division=division, owner=owner)
        return condition

    def filter(self, queryset: QuerySet[M], **paths: Any) -> QuerySet[M]:
        return queryset.filter(self.q(**paths))

    def _grant_q(self, grant: Grant, *, department: str | None, division: str | None,
                 owner: str | None) -> Q:
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


def data_scope_for(user: User | Any, permission: str | None = None) -> DataScope:
    """The union of the user's assignments whose role holds `permission` ("app_label.codename")."""
    if user is None or not getattr(user, "is_authenticated", False):
        return DataScope(user_id=None)
    if user.is_superuser:
        return DataScope(user_id=user.pk, grants=(Grant(kind=DataScopeKind.ALL),), clearance=True)
    assignments = RoleAssignment.objects.filter(user=user).select_related("role", "department", "division")
    if permission:
        app_label, _, codename = permission.partition(".")
        assignments = assignments.filter(
            role__permissions__content_type__app_label=app_label, role__permissions__codename=codename
        )
    grants = []
    for a in assignments.distinct():
        grants.append(Grant(
            kind=a.scope,
            department_id=a.department_id,
            department_path=a.department.path if a.department else "",
            division_id=a.division_id,
            division_path=a.division.path if a.division else "",
        ))
    clearance = user.has_perm("identity.view_clear_personal_data")
    return DataScope(user_id=user.pk, grants=tuple(grants), clearance=clearance)
