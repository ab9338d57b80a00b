"""Issuing, changing (变更), revoking (注销) and expiring e-licences.

Issuing one: the next 流水号 of (type, issuer, year), the identifier with its MOD 37,36 check, the
canonical metadata signed with the seal's SM2 key, the layout PDF with a QR code of the verification
page signed PAdES with the seal's certificate, the record, its history row, the seal's use log and the
audit event — in one transaction.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shuzheng.core import audit, counters
from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto import blind_index
from shuzheng.core.crypto.sm3 import sm3_hex
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.validators import validate_id_number, validate_uscc
from shuzheng.identity.actors import Actor
from shuzheng.licences import rendering, signing
from shuzheng.licences.constants import (
    ISSUE_LICENCES,
    REVOKE_LICENCES,
    HolderCodeType,
    HolderKind,
    LicenceAction,
    LicenceStatus,
)
from shuzheng.licences.identifiers import Identifier, serial_for
from shuzheng.licences.models import Licence, LicenceSequence, LicenceStatusChange, LicenceType
from shuzheng.licences.services.common import person, reason_text, require_perm_in_scope
from shuzheng.licences.services.seals import record_use, signing_seal
from shuzheng.licences.workflow import LICENCE_TRANSITIONS

if TYPE_CHECKING:
    from shuzheng.identity.models import User

VALUE_MAX: Final = 200


def add_years(day: date, years: int) -> date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def verify_path(identifier: str) -> str:
    return reverse("licences:verify", kwargs={"identifier": identifier})


def verify_url(identifier: str) -> str:
    return f"{getattr(settings, 'PUBLIC_URL', '') or ''}{verify_path(identifier)}"


def metadata(licence: Licence) -> dict[str, Any]:
    """The canonical licence data the SM2 signature covers (the metadata GB/T 36904 names)."""
    return {
        "证照名称": licence.licence_type.name,
        "证照类型代码": licence.licence_type.code,
        "证照编号": licence.number,
        "电子证照标识": licence.identifier,
        "持证主体": licence.holder_name,
        "持证主体代码": licence.holder_code,
        "持证主体代码类型": licence.holder_code_type,
        "颁发机构": licence.department.name,
        "颁发机构代码": licence.issuer_code,
        "颁证日期": licence.issued_on.isoformat(),
        "有效期起始": licence.valid_from.isoformat(),
        "有效期截止": licence.valid_until.isoformat() if licence.valid_until else "长期",
        "属地编码": licence.division_code,
        "照面信息": licence.data,
    }


def snapshot(licence: Licence) -> dict[str, Any]:
    return {
        "identifier": licence.identifier,
        "type": licence.licence_type.code,
        "status": licence.status,
        "version": licence.version,
        "holder_user_id": licence.holder_user_id,
        "case_id": licence.case_id,
        "seal": licence.seal.code,
        "pdf_sm3": licence.pdf_sm3,
    }


def clean_holder(kind: str, name: Any, code: Any) -> tuple[str, str, str]:
    """(name, code, code type) of a holder; a person by ID number, an organisation by USCC."""
    errs = FieldErrors()
    holder_name = name.strip() if isinstance(name, str) else ""
    if not holder_name or len(holder_name) > 128:
        errs.add("holder_name", "请填写持证主体名称（不超过128个字）")
    raw = code.strip() if isinstance(code, str) else ""
    cleaned, code_type = raw, HolderCodeType.USCC
    if kind == HolderKind.PERSON:
        code_type = HolderCodeType.ID_CARD
        if errs.check(validate_id_number, raw, "holder_code"):
            cleaned = validate_id_number(raw, field="holder_code")
    elif errs.check(validate_uscc, raw, "holder_code"):
        cleaned = validate_uscc(raw, field="holder_code")
    errs.raise_if_any()
    return holder_name, cleaned, code_type


def clean_data(licence_type: LicenceType, data: Any) -> dict[str, str]:
    """Only the type's own fields, as short texts; every bad field named once."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValidationFailed.for_field("data", "照面信息应为对象")
    known = {f["key"]: f["label"] for f in licence_type.fields}
    errs = FieldErrors()
    cleaned: dict[str, str] = {}
    for key, value in data.items():
        if key not in known:
            errs.add(f"data.{key}", f"证照类型“{licence_type.name}”没有“{key}”这一项")
            continue
        text = "" if value is None else str(value).strip()
        if len(text) > VALUE_MAX or "\x00" in text:
            errs.add(f"data.{key}", f"{known[key]}不能超过{VALUE_MAX}个字")
            continue
        cleaned[key] = text
    errs.raise_if_any()
    return cleaned


def _render(licence: Licence) -> bytes:
    rows = [
        ("证照编号", licence.number),
        ("持证主体", licence.holder_name),
        (HolderCodeType(licence.holder_code_type).label, licence.holder_code),
    ]
    labels = {f["key"]: f["label"] for f in licence.licence_type.fields}
    rows += [(labels[key], value) for key, value in licence.data.items() if key in labels]
    until = f"{licence.valid_until:%Y年%m月%d日}" if licence.valid_until else "长期"
    rows.append(("有效期限", f"{licence.valid_from:%Y年%m月%d日} 至 {until}"))
    page = rendering.LicencePage(
        title=licence.licence_type.name,
        identifier=licence.identifier,
        rows=rows,
        issuer=licence.department.name,
        issued_on=f"{licence.issued_on:%Y年%m月%d日}",
        verify_url=verify_url(licence.identifier),
        seal=rendering.SealMark(licence.seal.name),
    )
    return rendering.licence_pdf(page)


def _create(
    *,
    actor: Actor,
    licence_type: LicenceType,
    holder: tuple[str, str, str],
    holder_kind: str,
    holder_user: User | None,
    data: dict[str, str],
    case: Any = None,
    replaces: Licence | None = None,
    at: datetime | None = None,
) -> Licence:
    department = licence_type.department
    seal = signing_seal(department, at=at)
    now = at or timezone.now()
    today = timezone.localdate(now)
    if replaces is None:
        sequence = counters.increment(
            LicenceSequence,
            licence_type=licence_type.pk,
            issuer_code=seal.organisation_code,
            year=today.year,
        )
        serial, version = serial_for(today.year, sequence), 1
    else:
        serial, version = replaces.serial, replaces.version + 1
    if version > 999:
        raise Conflict("证照版本号已用尽。", code="licence_version_exhausted")
    identifier = str(Identifier(licence_type.code, seal.organisation_code, serial, version))
    name, code, code_type = holder
    licence = Licence(
        identifier=identifier,
        number=f"{department.code}-{serial}" + (f"-{version}" if version > 1 else ""),
        licence_type=licence_type,
        serial=serial,
        version=version,
        holder_kind=holder_kind,
        holder_name=name,
        holder_code=code,
        holder_code_index=blind_index(code),
        holder_code_type=code_type,
        holder_user=holder_user,
        department=department,
        issuer_code=seal.organisation_code,
        division_code=department.division.code,
        issued_on=today,
        valid_from=replaces.valid_from if replaces is not None else today,
        valid_until=(
            replaces.valid_until
            if replaces is not None
            else add_years(today, licence_type.validity_years)
            if licence_type.validity_years
            else None
        ),
        data=data,
        seal=seal,
        case=case,
        replaces=replaces,
        issued_by=person(actor),
    )
    licence.sm2_signature = signing.sm2_sign(metadata(licence), seal.sm2_private_key)
    authority = seal.authority
    licence.pdf = signing.pades_sign(
        _render(licence),
        certificate_pem=seal.certificate_pem,
        private_key_pem=seal.ec_private_key,
        authority_pem=authority.certificate_pem,
        reason=f"颁发电子证照 {licence.number}",
        location=department.name,
    )
    licence.pdf_sm3 = sm3_hex(bytes(licence.pdf))
    licence.save()
    LicenceStatusChange.objects.create(
        licence=licence,
        from_status="",
        to_status=LicenceStatus.VALID,
        action="change_issue" if replaces is not None else "issue",
        actor=person(actor),
        occurred_at=now,
    )
    record_use(
        seal=seal,
        actor=actor,
        document_kind="licence",
        document_ref=licence.identifier,
        document_sm3=licence.pdf_sm3,
    )
    audit.record(actor=actor, action="licences.licence.issue", subject=licence, after=snapshot(licence))
    return licence


@transaction.atomic
def licence_issue(
    *,
    actor: Actor,
    licence_type: LicenceType,
    holder_name: Any,
    holder_code: Any,
    holder_user: User | None = None,
    data: Any = None,
    case: Any = None,
    at: datetime | None = None,
) -> Licence:
    """Issue a licence of `licence_type` to a holder (staff with ``licences.issue_licence`` over the type's
    department, or the platform on a case's approval)."""
    require_perm_in_scope(actor, ISSUE_LICENCES, licence_type.department, "颁发电子证照")
    if not licence_type.is_active:
        raise Conflict("该证照类型已停用。", code="licence_type_inactive")
    holder = clean_holder(licence_type.holder_kind, holder_name, holder_code)
    cleaned = clean_data(licence_type, data)
    return _create(
        actor=actor,
        licence_type=licence_type,
        holder=holder,
        holder_kind=licence_type.holder_kind,
        holder_user=holder_user,
        data=cleaned,
        case=case,
        at=at,
    )


def _lock(licence: Licence | int) -> Licence:
    found = (
        Licence.objects.select_for_update(of=("self",))
        .select_related("licence_type", "department__division", "seal__authority")
        .filter(pk=licence.pk if isinstance(licence, Licence) else licence)
        .first()
    )
    if found is None:
        raise NotFound("电子证照不存在。")
    return found


def _end(locked: Licence, *, actor: Actor, action: LicenceAction, reason: str, at: datetime | None) -> None:
    target = LICENCE_TRANSITIONS.target(locked.status, action)
    if target is None:
        raise Conflict(
            f"证照当前状态为“{LicenceStatus(locked.status).label}”，不能“{LicenceAction(action).label}”。",
            code="transition_not_allowed",
        )
    before = snapshot(locked)
    now = at or timezone.now()
    source = locked.status
    locked.status = target
    locked.ended_at = now
    locked.end_reason = reason
    locked.lock_version += 1
    locked.save(update_fields=["status", "ended_at", "end_reason", "lock_version", "updated_at"])
    LicenceStatusChange.objects.create(
        licence=locked,
        from_status=source,
        to_status=target,
        action=action,
        actor=person(actor),
        occurred_at=now,
        reason=reason,
    )
    audit.record(
        actor=actor,
        action=f"licences.licence.{action}",
        subject=locked,
        before=before,
        after=snapshot(locked),
    )


@transaction.atomic
def licence_revoke(
    *, actor: Actor, licence: Licence | int, reason: Any, expected_version: int | None = None
) -> Licence:
    """注销: the licence no longer verifies as valid and no longer satisfies a material."""
    text = reason_text(reason, label="注销原因")
    locked = _lock(licence)
    require_perm_in_scope(actor, REVOKE_LICENCES, locked.department, "注销电子证照")
    if expected_version is not None and expected_version != locked.lock_version:
        raise Conflict("证照已被他人更新，请刷新后重试。", code="stale_version")
    _end(locked, actor=actor, action=LicenceAction.REVOKE, reason=text, at=None)
    return locked


@transaction.atomic
def licence_change(
    *,
    actor: Actor,
    licence: Licence | int,
    data: Any,
    reason: Any,
    holder_name: Any = None,
    expected_version: int | None = None,
) -> Licence:
    """变更: a new version (same 流水号, version + 1, new identifier) with the changed data; the old one is
    superseded. Holder code and validity stay."""
    text = reason_text(reason, label="变更原因")
    locked = _lock(licence)
    require_perm_in_scope(actor, ISSUE_LICENCES, locked.department, "变更电子证照")
    if expected_version is not None and expected_version != locked.lock_version:
        raise Conflict("证照已被他人更新，请刷新后重试。", code="stale_version")
    changes = clean_data(locked.licence_type, data)
    name = holder_name if isinstance(holder_name, str) and holder_name.strip() else locked.holder_name
    holder = clean_holder(locked.holder_kind, name, locked.holder_code)
    _end(locked, actor=actor, action=LicenceAction.CHANGE, reason=text, at=None)
    return _create(
        actor=actor,
        licence_type=locked.licence_type,
        holder=holder,
        holder_kind=locked.holder_kind,
        holder_user=locked.holder_user,
        data={**locked.data, **changes},
        case=locked.case,
        replaces=locked,
    )


def licences_expire(*, today: date | None = None) -> int:
    """The scheduled sweep: valid licences past their validity become expired."""
    day = today or timezone.localdate()
    ids = list(
        Licence.objects.filter(status=LicenceStatus.VALID, valid_until__lt=day).values_list("pk", flat=True)
    )
    for licence_id in ids:
        with transaction.atomic():
            _end(_lock(licence_id), actor=SYSTEM, action=LicenceAction.EXPIRE, reason="有效期届满", at=None)
    return len(ids)
