"""/api/v1/identity/...: the caller, users, roles and role assignments. Thin: parse, call, shape."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.security import django_auth

from shuzheng.core.masking import mask_id_number, mask_mobile, mask_name
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.identity import selectors
from shuzheng.identity.models import RoleAssignment, User
from shuzheng.identity.schemas import (
    AssignmentIn,
    AssignmentOut,
    CitizenCreateIn,
    EnterpriseAgentCreateIn,
    MeOut,
    PasswordChangeIn,
    RoleOut,
    StaffCreateIn,
    UserDetailOut,
    UserKind,
    UserPage,
)
from shuzheng.identity.services import accounts as account_services
from shuzheng.identity.services import roles as role_services

router = Router(tags=["身份与审计"], auth=django_auth)

CLEARANCE = "identity.view_clear_personal_data"


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def user_out(user: User, *, clearance: bool) -> dict[str, Any]:
    """Without clearance, ID numbers, mobiles and citizens' names are masked."""
    personal = user.kind != User.Kind.STAFF
    department = user.department if user.department_id else None
    return {
        "id": user.pk,
        "username": user.username,
        "kind": user.kind,
        "kind_label": user.get_kind_display(),
        "full_name": user.full_name if clearance or not personal else mask_name(user.full_name),
        "email": user.email,
        "mobile": (user.mobile if clearance else mask_mobile(user.mobile)) if user.mobile else "",
        "id_number": (
            (user.id_number if clearance else mask_id_number(user.id_number)) if user.id_number else ""
        ),
        "enterprise_uscc": user.enterprise_uscc,
        "enterprise_name": user.enterprise_name,
        "department": (
            {"id": department.pk, "code": department.code, "name": department.name} if department else None
        ),
        "is_active": user.is_active,
        "date_joined": user.date_joined,
    }


def assignment_out(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "role": {"id": assignment.role.pk, "code": assignment.role.code, "name": assignment.role.name},
        "scope": assignment.scope,
        "scope_label": assignment.get_scope_display(),
        "department_id": assignment.department_id,
        "division_id": assignment.division_id,
    }


def _detail(user: User, *, clearance: bool) -> dict[str, Any]:
    data = user_out(user, clearance=clearance)
    data["roles"] = [assignment_out(a) for a in selectors.user_assignments(user=user)]
    return data


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, Any]:
    actor = _actor(request)
    user = selectors.user_get(actor=actor, user_id=actor.pk)
    # One's own data is shown in clear: it is one's own.
    data = _detail(user, clearance=True)
    data["permissions"] = sorted(actor.get_all_permissions())
    data["clear_personal_data"] = actor.has_perm(CLEARANCE)
    is_verified = getattr(actor, "is_verified", None)
    data["second_factor_verified"] = bool(is_verified()) if callable(is_verified) else False
    return data


@router.post("/me/password", response={204: None}, summary="修改本人密码")
def change_own_password(request: HttpRequest, payload: PasswordChangeIn) -> Status[None]:
    actor = _actor(request)
    account_services.user_change_own_password(
        request=request, user=actor, old_password=payload.old_password, new_password=payload.new_password
    )
    update_session_auth_hash(request, actor)
    return Status(204, None)


@router.get("/users", response=UserPage, summary="用户列表（按数据范围）")
def users_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
    kind: UserKind | None = None,
    department_id: int | None = None,
    q: str | None = Query(None, max_length=64),
) -> dict[str, Any]:
    actor = _actor(request)
    page = selectors.user_list(
        actor=actor, cursor=cursor, limit=limit, kind=kind, department_id=department_id, search=q
    )
    clearance = actor.has_perm(CLEARANCE)
    return {**page_out(page), "items": [user_out(u, clearance=clearance) for u in page.items]}


@router.get("/users/{int:user_id}", response=UserDetailOut, summary="用户详情")
def users_detail(request: HttpRequest, user_id: int) -> dict[str, Any]:
    actor = _actor(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    return _detail(user, clearance=actor.has_perm(CLEARANCE) or user.pk == actor.pk)


@router.post("/users/staff", response={201: UserDetailOut}, summary="创建工作人员账号")
def users_create_staff(request: HttpRequest, payload: StaffCreateIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    user = account_services.staff_create(actor=actor, **payload.dict())
    return Status(201, _detail(user, clearance=actor.has_perm(CLEARANCE)))


@router.post("/users/citizens", response={201: UserDetailOut}, summary="创建自然人账号")
def users_create_citizen(request: HttpRequest, payload: CitizenCreateIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    user = account_services.citizen_create(actor=actor, **payload.dict())
    return Status(201, _detail(user, clearance=actor.has_perm(CLEARANCE)))


@router.post("/users/enterprise-agents", response={201: UserDetailOut}, summary="创建法人经办人账号")
def users_create_enterprise_agent(
    request: HttpRequest, payload: EnterpriseAgentCreateIn
) -> Status[dict[str, Any]]:
    actor = _actor(request)
    user = account_services.enterprise_agent_create(actor=actor, **payload.dict())
    return Status(201, _detail(user, clearance=actor.has_perm(CLEARANCE)))


@router.get("/roles", response=list[RoleOut], summary="角色列表")
def roles_list(request: HttpRequest) -> list[dict[str, Any]]:
    roles = selectors.role_list(actor=_actor(request))
    return [
        {
            "id": r.pk,
            "code": r.code,
            "name": r.name,
            "description": r.description,
            "permissions": selectors.permission_names(r.permissions.all()),
        }
        for r in roles
    ]


@router.post("/users/{int:user_id}/roles", response={201: AssignmentOut}, summary="分配角色")
def users_assign_role(request: HttpRequest, user_id: int, payload: AssignmentIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    user = selectors.user_get(actor=actor, user_id=user_id)
    role = selectors.role_get(code=payload.role)
    assignment = role_services.role_assign(
        actor=actor,
        user=user,
        role=role,
        scope=payload.scope,
        department_id=payload.department_id,
        division_id=payload.division_id,
    )
    return Status(201, assignment_out(assignment))


@router.delete("/role-assignments/{int:assignment_id}", response={204: None}, summary="撤销角色")
def assignments_revoke(request: HttpRequest, assignment_id: int) -> Status[None]:
    actor = _actor(request)
    assignment = selectors.assignment_get(actor=actor, assignment_id=assignment_id)
    role_services.role_revoke(actor=actor, assignment=assignment)
    return Status(204, None)
