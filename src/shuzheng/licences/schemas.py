"""API shapes of the licences context."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from shuzheng.core.schemas import StrictIn


class LicenceOut(Schema):
    id: int
    identifier: str
    number: str
    name: str
    type_code: str
    status: str
    status_label: str
    version: int
    holder_name: str
    issuer: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    data: dict[str, str]
    pdf_url: str
    verify_url: str


class LicencePage(Schema):
    items: list[LicenceOut]
    next_cursor: str | None


class UseOut(Schema):
    case_number: str
    item_code: str
    material_name: str
    used_at: datetime


class LicenceDetailOut(LicenceOut):
    uses: list[UseOut]


class VerificationOut(Schema):
    identifier: str
    verdict: str
    verdict_label: str
    message: str
    sm2_signature_valid: bool | None
    pdf_signature_valid: bool | None
    licence: dict[str, Any] | None
    checked_at: datetime


class IssueIn(StrictIn):
    licence_type_id: int
    holder_name: str = Field(max_length=128)
    holder_code: str = Field(max_length=32, description="居民身份证号码或统一社会信用代码")
    data: dict[str, str] = Field(default_factory=dict, description="照面信息（证照类型的信息项）")


class ReasonIn(StrictIn):
    reason: str = Field("", max_length=500)
    expected_version: int | None = None


class ChangeIn(StrictIn):
    reason: str = Field(max_length=500)
    data: dict[str, str] = Field(default_factory=dict)
    holder_name: str | None = Field(None, max_length=128)
    expected_version: int | None = None


class ShareIn(StrictIn):
    hours: int = Field(24, ge=1, le=72)


class ShareOut(Schema):
    url: str
    expires_at: datetime


class SealIn(StrictIn):
    department_id: int
    kind: str = Field("official", description="official（部门公章）或 acceptance（受理专用章）")
    hall_id: int | None = None
    organisation_code: str | None = Field(None, max_length=18)
    years: int = Field(5, ge=1, le=10)


class SealOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    department_id: int
    department_name: str
    status: str
    status_label: str
    valid_from: datetime
    valid_until: datetime
    certificate_serial: str
    lock_version: int


class SealPage(Schema):
    items: list[SealOut]
    next_cursor: str | None


class CoverageOut(Schema):
    departments_with_valid_seal: int
    government_departments: int
