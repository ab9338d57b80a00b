"""Who applies: the signed-in citizen or enterprise agent online, or the person a clerk identified at the
window; and the form's identity fields bound to them (免填写)."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from shuzheng.cases import form_privacy
from shuzheng.cases.access import is_staff
from shuzheng.cases.constants import ApplicantKind
from shuzheng.cases.services.common import ApplicantData
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.validators import validate_id_number, validate_mobile, validate_uscc
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.constants import UserKind

if TYPE_CHECKING:
    from shuzheng.identity.models import User


def account_identity(user: User) -> dict[str, Any]:
    """Who a citizen or enterprise agent applies as online (the case's applicant columns)."""
    return applicant_fields(user=user, applicant=None, errors=FieldErrors())


def applicant_fields(*, user: User, applicant: ApplicantData | None, errors: FieldErrors) -> dict[str, Any]:
    """Case fields describing the applicant: the user themselves, or who the clerk identified."""
    if not is_staff(user):
        if applicant is not None:
            errors.add("applicant", "网上或自助申请以登录账号为申请人，无需填写申请人信息")
            return {}
        if user.kind == UserKind.ENTERPRISE_AGENT:
            return {
                "applicant_kind": ApplicantKind.ENTERPRISE,
                "applicant": user,
                "applicant_name": user.enterprise_name or user.full_name,
                "applicant_uscc": user.enterprise_uscc,
                "applicant_id_number": user.id_number,
                "applicant_id_index": user.id_number_index,
                "applicant_mobile": user.mobile,
            }
        return {
            "applicant_kind": ApplicantKind.PERSON,
            "applicant": user,
            "applicant_name": user.full_name,
            "applicant_id_number": user.id_number,
            "applicant_id_index": user.id_number_index,
            "applicant_mobile": user.mobile,
        }
    if applicant is None:
        errors.add("applicant", "代为申请须填写申请人信息（身份证号码或统一社会信用代码）")
        return {}
    fields: dict[str, Any] = {}
    if applicant.kind not in ApplicantKind.values:
        errors.add("applicant.kind", "申请人类型应为自然人或法人")
        return {}
    name = str(applicant.name or "").strip()
    if not name:
        errors.add("applicant.name", "请填写申请人姓名或名称")
    elif len(name) > 128:
        errors.add("applicant.name", "申请人姓名或名称不能超过128个字")
    fields["applicant_kind"] = applicant.kind
    fields["applicant_name"] = name
    if applicant.mobile:
        try:
            fields["applicant_mobile"] = validate_mobile(applicant.mobile, field="applicant.mobile")
        except ValidationFailed as exc:
            errors.extend(exc)
    if applicant.kind == ApplicantKind.PERSON:
        try:
            number = validate_id_number(applicant.id_number, field="applicant.id_number")
        except ValidationFailed as exc:
            errors.extend(exc)
        else:
            fields["applicant_id_number"] = number
            fields["applicant_id_index"] = blind_index(number)
            fields["applicant"] = identity_selectors.citizen_get_by_id_number(number)
    else:
        try:
            fields["applicant_uscc"] = validate_uscc(applicant.uscc, field="applicant.uscc")
        except ValidationFailed as exc:
            errors.extend(exc)
        if applicant.id_number:  # the agent at the window, optional
            try:
                number = validate_id_number(applicant.id_number, field="applicant.id_number")
            except ValidationFailed as exc:
                errors.extend(exc)
            else:
                fields["applicant_id_number"] = number
                fields["applicant_id_index"] = blind_index(number)
    return fields


def _same_identity(given: Any, expected: str) -> bool:
    def norm(value: Any) -> str:
        return unicodedata.normalize("NFKC", str(value)).replace(" ", "").upper()

    return norm(given) == norm(expected)


def bind_identity(
    *, user: User, schema: Any, form_data: Any, fields: dict[str, Any], errors: FieldErrors
) -> Any:
    """The form's identity fields (``x-applicant``) filled from the applicant when left out (免填写), and
    refused when they name somebody else: online the account's real name and ID number decide, at the
    window the applicant the clerk identified."""
    bound = form_privacy.applicant_fields(schema)
    if not bound or not isinstance(form_data, dict) or not fields:
        return form_data
    own = not is_staff(user)
    data = dict(form_data)
    properties = schema.get("properties") or {}
    for name, column in bound.items():
        expected = str(fields.get(column) or "")
        given = data.get(name)
        if given in (None, ""):
            if expected:
                data[name] = expected
            continue
        if (expected or own) and not _same_identity(given, expected):
            title = str((properties.get(name) or {}).get("title") or name)
            whose = "登录账号的实名信息" if own else "申请人信息"
            errors.add(
                f"form_data.{name}",
                f"{title}应与{whose}一致（此项免填写，由系统自动填入）",
                type="applicant_mismatch",
            )
    return data
