"""Electronic seals: issue (key pairs, certificate, impression), suspend, resume, revoke, expire, and the
use log every signing writes. One valid seal per department and kind (and hall for a 受理专用章)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto import sm2
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.core.validators import validate_uscc
from shuzheng.identity.actors import Actor
from shuzheng.licences import pki, seal_image
from shuzheng.licences.constants import MANAGE_SEALS, SealAction, SealKind, SealStatus
from shuzheng.licences.models import CertificateAuthority, Seal, SealStatusChange, SealUse
from shuzheng.licences.services.common import person, reason_text, require_perm_in_scope
from shuzheng.licences.workflow import SEAL_TRANSITIONS

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department, Hall

DEFAULT_YEARS: Final = 5
MAX_YEARS: Final = 10
KIND_CODES: Final = {SealKind.OFFICIAL: "01", SealKind.ACCEPTANCE: "05"}


def seal_snapshot(seal: Seal) -> dict[str, object]:
    return {
        "code": seal.code,
        "name": seal.name,
        "kind": seal.kind,
        "department_id": seal.department_id,
        "hall_id": seal.hall_id,
        "status": seal.status,
        "valid_until": seal.valid_until.isoformat(),
        "certificate_serial": seal.certificate_serial,
    }


def authority() -> CertificateAuthority:
    """The active platform CA, created on first use (its key SM4-encrypted in the database)."""
    found = CertificateAuthority.objects.filter(is_active=True).order_by("-created_at").first()
    if found is not None:
        return found
    city = str(getattr(settings, "SHUZHENG_CITY_NAME", "") or "数政平台")
    now = timezone.now()
    issued = pki.create_authority(name=f"{city}电子印章根证书", organisation=city, now=now)
    created = CertificateAuthority.objects.create(
        name=f"{city}电子印章根证书",
        certificate_pem=issued.certificate_pem,
        private_key_pem=issued.private_key_pem,
        valid_until=pki.load_certificate(issued.certificate_pem).not_valid_after_utc,
    )
    audit.record(
        actor=SYSTEM, action="licences.authority.create", subject=created, after={"name": created.name}
    )
    return created


def _next_code(department: Department, kind: str) -> str:
    region = (department.division.code or "000000")[:6]
    prefix = f"{region}{KIND_CODES[SealKind(kind)]}"
    taken = Seal.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{taken + 1:06d}"


@transaction.atomic
def seal_issue(
    *,
    actor: Actor,
    department: Department,
    kind: str = SealKind.OFFICIAL,
    hall: Hall | None = None,
    organisation_code: str | None = None,
    years: int | None = None,
    at: datetime | None = None,
) -> Seal:
    """制章: an ECDSA P-256 key certified by the platform CA, an SM2 key pair, the impression; the keys are
    stored SM4-encrypted. Refused while the department already has a valid seal of that kind."""
    user = require_perm_in_scope(actor, MANAGE_SEALS, department, "管理电子印章")
    if kind not in SealKind.values:
        raise ValidationFailed.for_field("kind", "印章类型应为部门公章或受理专用章")
    if kind == SealKind.ACCEPTANCE and hall is None:
        raise ValidationFailed.for_field("hall_id", "受理专用章须指定受理大厅")
    if kind == SealKind.OFFICIAL:
        hall = None
    span = DEFAULT_YEARS if years is None else years
    if isinstance(span, bool) or not isinstance(span, int) or not 1 <= span <= MAX_YEARS:
        raise ValidationFailed.for_field("years", f"有效期应为1到{MAX_YEARS}年")
    code = (organisation_code or department.uscc or "").strip().upper()
    if not code:
        raise ValidationFailed.for_field("organisation_code", "部门没有登记统一社会信用代码，请填写")
    code = validate_uscc(code, field="organisation_code")
    if not department.is_active:
        raise Conflict("部门已停用，不能制发电子印章。", code="department_inactive")
    live = Seal.objects.select_for_update().filter(
        department=department, kind=kind, hall=hall, status__in=[SealStatus.ACTIVE, SealStatus.SUSPENDED]
    )
    now = at or timezone.now()
    if any(seal.valid_until > now for seal in live):
        raise Conflict("该部门已有有效的同类电子印章，请先吊销原印章。", code="seal_exists")
    name = department.name
    purpose = "受理专用章" if kind == SealKind.ACCEPTANCE else ""
    ca = authority()
    until = now + timedelta(days=365 * span)
    issued = pki.issue_seal_certificate(
        authority_certificate_pem=ca.certificate_pem,
        authority_key_pem=ca.private_key_pem,
        seal_name=f"{name}{purpose}",
        organisation=name,
        organisation_code=code,
        not_before=now - timedelta(minutes=5),
        not_after=until,
    )
    sm2_private, sm2_public = sm2.generate_keypair()
    try:
        with transaction.atomic():
            seal = Seal.objects.create(
                code=_next_code(department, kind),
                name=f"{name}{purpose}",
                kind=kind,
                department=department,
                hall=hall,
                organisation_code=code,
                valid_from=now,
                valid_until=until,
                authority=ca,
                certificate_pem=issued.certificate_pem,
                certificate_serial=issued.serial_hex,
                ec_private_key=issued.private_key_pem,
                sm2_public_key=sm2_public,
                sm2_private_key=sm2_private,
                image_svg=seal_image.svg(name, purpose=purpose),
                issued_by=user,
            )
    except IntegrityError as exc:
        raise Conflict("印章编码冲突，请重试。", code="seal_code_taken") from exc
    SealStatusChange.objects.create(
        seal=seal, from_status="", to_status=SealStatus.ACTIVE, action="issue", actor=user, occurred_at=now
    )
    audit.record(actor=actor, action="licences.seal.issue", subject=seal, after=seal_snapshot(seal))
    return seal


def _move(
    *,
    actor: Actor,
    seal: Seal | int,
    action: SealAction,
    reason: str,
    expected_version: int | None,
    at: datetime | None,
) -> Seal:
    locked = (
        Seal.objects.select_for_update()
        .select_related("department__division")
        .filter(pk=seal.pk if isinstance(seal, Seal) else seal)
        .first()
    )
    if locked is None:
        raise Conflict("印章不存在。", code="seal_not_found")
    user = require_perm_in_scope(actor, MANAGE_SEALS, locked.department, "管理电子印章")
    if expected_version is not None and expected_version != locked.lock_version:
        raise Conflict("印章已被他人更新，请刷新后重试。", code="stale_version")
    target = SEAL_TRANSITIONS.target(locked.status, action)
    if target is None:
        raise Conflict(
            f"印章当前状态为“{SealStatus(locked.status).label}”，不能“{SealAction(action).label}”。",
            code="transition_not_allowed",
        )
    before = seal_snapshot(locked)
    source = locked.status
    locked.status = target
    locked.lock_version += 1
    locked.save(update_fields=["status", "lock_version", "updated_at"])
    SealStatusChange.objects.create(
        seal=locked,
        from_status=source,
        to_status=target,
        action=action,
        actor=user,
        occurred_at=at or timezone.now(),
        reason=reason,
    )
    audit.record(
        actor=actor,
        action=f"licences.seal.{action}",
        subject=locked,
        before=before,
        after=seal_snapshot(locked),
    )
    return locked


@transaction.atomic
def seal_suspend(
    *, actor: Actor, seal: Seal | int, reason: str | None, expected_version: int | None = None
) -> Seal:
    """暂停: no signing until resumed."""
    text = reason_text(reason)
    return _move(
        actor=actor,
        seal=seal,
        action=SealAction.SUSPEND,
        reason=text,
        expected_version=expected_version,
        at=None,
    )


@transaction.atomic
def seal_resume(
    *, actor: Actor, seal: Seal | int, reason: str | None = None, expected_version: int | None = None
) -> Seal:
    text = reason_text(reason, required=False)
    return _move(
        actor=actor,
        seal=seal,
        action=SealAction.RESUME,
        reason=text,
        expected_version=expected_version,
        at=None,
    )


@transaction.atomic
def seal_revoke(
    *, actor: Actor, seal: Seal | int, reason: str | None, expected_version: int | None = None
) -> Seal:
    """吊销: final; documents it signed verify as signed by a revoked seal from then on."""
    text = reason_text(reason)
    return _move(
        actor=actor,
        seal=seal,
        action=SealAction.REVOKE,
        reason=text,
        expected_version=expected_version,
        at=None,
    )


def seals_expire(*, at: datetime | None = None) -> int:
    """The scheduled sweep: seals past their validity become expired (the platform acts)."""
    now = at or timezone.now()
    ids = list(
        Seal.objects.filter(
            status__in=[SealStatus.ACTIVE, SealStatus.SUSPENDED], valid_until__lte=now
        ).values_list("pk", flat=True)
    )
    for seal_id in ids:
        with transaction.atomic():
            _move(
                actor=SYSTEM,
                seal=seal_id,
                action=SealAction.EXPIRE,
                reason="有效期届满",
                expected_version=None,
                at=now,
            )
    return len(ids)


def signing_seal(department: Department, *, at: datetime | None = None) -> Seal:
    """The department's valid official seal, or Conflict naming what is missing."""
    now = at or timezone.now()
    seal = (
        Seal.objects.select_related("authority")
        .filter(department=department, kind=SealKind.OFFICIAL, status=SealStatus.ACTIVE, valid_from__lte=now)
        .filter(valid_until__gt=now)
        .order_by("-valid_from")
        .first()
    )
    if seal is None:
        raise Conflict(f"{department.name}没有有效的电子印章，请先制发或恢复印章。", code="no_valid_seal")
    return seal


def record_use(
    *, seal: Seal, actor: Actor, document_kind: str, document_ref: str, document_sm3: str
) -> SealUse:
    """Every signing is logged: which document (kind, reference, SM3), who, when."""
    use = SealUse.objects.create(
        seal=seal,
        document_kind=document_kind,
        document_ref=document_ref[:128],
        document_sm3=document_sm3,
        actor=person(actor),
        used_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="licences.seal.use",
        subject=seal,
        after={"document_kind": document_kind, "document_ref": document_ref[:128], "sm3": document_sm3},
    )
    return use
