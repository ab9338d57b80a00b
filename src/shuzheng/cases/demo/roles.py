"""The three case roles and who holds them in the demo (see the package docstring)."""

from __future__ import annotations

from typing import Final

from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.core.actors import SYSTEM
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.models import Role, RoleAssignment, User
from shuzheng.identity.services import roles as role_services
from shuzheng.orgs.models import Department, Division

CITY: Final = "440785"


SHAHU: Final = "440785103"


_VIEW = "cases.view_case"


ROLES: Final[tuple[tuple[str, str, str, tuple[str, ...]], ...]] = (
    (
        "case_acceptor",
        "受理人员",
        "窗口收件与受理：代为申请、受理、不予受理、补正、容缺、转办，移交审查，即办件当场办结，送达出件。",
        (
            _VIEW,
            "cases.intake_case",
            "cases.accept_case",
            "cases.review_case",
            "cases.decide_case",
            "cases.deliver_case",
        ),
    ),
    (
        "case_reviewer",
        "审查人员",
        "办件审查环节办理，启动和结束特别程序。",
        (_VIEW, "cases.review_case", "cases.suspend_case"),
    ),
    (
        "case_approver",
        "审批人员",
        "作出准予或不予许可决定，特别程序，送达办结。",
        (_VIEW, "cases.review_case", "cases.decide_case", "cases.suspend_case", "cases.deliver_case"),
    ),
)


def ensure_roles() -> dict[str, Role]:
    return {
        code: role_services.role_ensure(
            actor=SYSTEM, code=code, name=name, description=description, permissions=list(permissions)
        )
        for code, name, description, permissions in ROLES
    }


def _assign(
    user: User,
    role: Role,
    *,
    scope: str,
    department: Department | None = None,
    division: Division | None = None,
) -> None:
    exists = RoleAssignment.objects.filter(
        user=user, role=role, department=department, division=division
    ).exists()
    if not exists:
        role_services.role_assign(
            actor=SYSTEM,
            user=user,
            role=role,
            scope=scope,
            department_id=department.pk if department is not None else None,
            division_id=division.pk if division is not None else None,
        )


def _city_departments() -> list[Department]:
    ids = (
        ServiceItemVersion.objects.filter(status="published", department__division__code=CITY)
        .values_list("department_id", flat=True)
        .distinct()
    )
    return list(Department.objects.filter(pk__in=list(ids)).order_by("code"))


def department_staff() -> dict[int, User]:
    """The demo's own staff of each department (holders of identity.demo's ``department_staff`` role)."""
    found: dict[int, User] = {}
    assignments = RoleAssignment.objects.filter(role__code="department_staff", user__is_active=True)
    for assignment in assignments.select_related("user").order_by("user__username"):
        if assignment.department_id is not None:
            found.setdefault(assignment.department_id, assignment.user)
    return found


def assign_roles(roles: dict[str, Role]) -> int:
    """Give the demo staff the case roles; returns how many departments the city staff act for."""
    staff = {
        u.username: u for u in User.objects.filter(username__in=["window01", "zwsj_admin", "shahu_clerk"])
    }
    departments = _city_departments()
    own = department_staff()
    if "window01" in staff:
        for department in departments:
            _assign(
                staff["window01"],
                roles["case_acceptor"],
                scope=DataScopeKind.DEPARTMENT,
                department=department,
            )
    for department in departments:
        reviewer = own.get(department.pk) or staff.get("zwsj_admin")
        if reviewer is None:
            continue
        for code in ("case_reviewer", "case_approver"):
            _assign(reviewer, roles[code], scope=DataScopeKind.DEPARTMENT, department=department)
    shahu = Division.objects.filter(code=SHAHU).first()
    if "shahu_clerk" in staff and shahu is not None:
        for code in ("case_acceptor", "case_reviewer", "case_approver"):
            _assign(staff["shahu_clerk"], roles[code], scope=DataScopeKind.DIVISION_TREE, division=shahu)
    return len(departments)
