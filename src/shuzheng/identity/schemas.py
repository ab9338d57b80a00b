"""API input and output shapes of the identity context. Inputs refuse unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from shuzheng.core.schemas import StrictIn

ScopeKind = Literal["self", "department", "department_tree", "division_tree", "all"]
UserKind = Literal["staff", "citizen", "enterprise_agent"]
#: Passwords are taken as typed: the strict input base strips text, but a space may be part of a password.
Password = Annotated[str, StringConstraints(strip_whitespace=False, max_length=128)]


class DepartmentRef(Schema):
    id: int
    code: str
    name: str


class RoleRef(Schema):
    id: int
    code: str
    name: str


class AssignmentOut(Schema):
    id: int
    role: RoleRef
    scope: str
    scope_label: str
    department_id: int | None
    division_id: int | None


class UserOut(Schema):
    id: int
    username: str
    kind: str
    kind_label: str
    full_name: str
    email: str
    mobile: str = Field(description="无明文权限时脱敏显示")
    id_number: str = Field(description="无明文权限时脱敏显示")
    enterprise_uscc: str
    enterprise_name: str
    department: DepartmentRef | None
    is_active: bool
    date_joined: datetime


class UserDetailOut(UserOut):
    roles: list[AssignmentOut]


class MeOut(UserDetailOut):
    permissions: list[str]
    clear_personal_data: bool
    second_factor_verified: bool


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


class RoleOut(Schema):
    id: int
    code: str
    name: str
    description: str
    permissions: list[str]


class StaffCreateIn(StrictIn):
    username: str = Field(max_length=64)
    full_name: str = Field(max_length=64)
    department_id: int
    email: str = Field("", max_length=254)
    mobile: str = Field("", max_length=32)
    password: Password | None = None
    is_staff: bool = False


class CitizenCreateIn(StrictIn):
    username: str = Field(max_length=64)
    full_name: str = Field(max_length=64)
    id_number: str = Field(max_length=32)
    mobile: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    password: Password | None = None


class EnterpriseAgentCreateIn(CitizenCreateIn):
    enterprise_uscc: str = Field(max_length=32)
    enterprise_name: str = Field(max_length=128)


class AssignmentIn(StrictIn):
    role: str = Field(max_length=64, description="角色编码")
    scope: ScopeKind
    department_id: int | None = None
    division_id: int | None = None


class PasswordChangeIn(StrictIn):
    old_password: Password
    new_password: Password
