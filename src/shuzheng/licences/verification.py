"""Verifying an e-licence (核验): by identifier (the QR code's link) or by its PDF, for anyone.

Both signatures are checked — SM2 over the canonical data with the seal's SM2 key, and the PAdES
signature of the stored PDF against the platform CA with the seal's certificate — then the seal's and the
licence's state. The answer is one `Verdict` with what a verifier may see (holder masked). Requests are
counted per client address and minute (``SHUZHENG_LICENCE_VERIFICATIONS_PER_MINUTE``, 60 by default):
beyond it a 429 with a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.conf import settings
from django.utils import timezone

from shuzheng.core.crypto.sm3 import sm3_hex
from shuzheng.core.errors import PayloadTooLarge, RateLimited, ValidationFailed
from shuzheng.core.masking import mask_id_number, mask_name
from shuzheng.core.rate_windows import count_this_minute
from shuzheng.licences import identifiers, signing
from shuzheng.licences.constants import HolderCodeType, LicenceStatus, SealStatus, Verdict
from shuzheng.licences.models import Licence
from shuzheng.licences.services.licences import metadata

MAX_PDF_BYTES: Final = 5 * 1024 * 1024
_STATUS_VERDICT: Final = {
    LicenceStatus.REVOKED: Verdict.REVOKED,
    LicenceStatus.SUPERSEDED: Verdict.SUPERSEDED,
    LicenceStatus.EXPIRED: Verdict.EXPIRED,
}


@dataclass
class Result:
    verdict: str
    identifier: str
    message: str = ""
    licence: Licence | None = None
    sm2_valid: bool | None = None
    pades_valid: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return Verdict(self.verdict).label


def per_minute() -> int:
    return int(getattr(settings, "SHUZHENG_LICENCE_VERIFICATIONS_PER_MINUTE", 60))


def throttle(client_ip: str | None) -> None:
    """Count one verification for the address; 429 beyond the limit in the current minute."""
    limit = per_minute()
    if limit < 0:
        return
    if count_this_minute("licences:verify", client_ip or "unknown") > limit:
        raise RateLimited(
            f"核验过于频繁：每分钟最多 {limit} 次，请稍后再试。", code="verification_rate_limited"
        )


def _details(licence: Licence) -> dict[str, Any]:
    code = licence.holder_code
    masked = mask_id_number(code) if licence.holder_code_type == HolderCodeType.ID_CARD else code
    return {
        "name": licence.licence_type.name,
        "number": licence.number,
        "holder": mask_name(licence.holder_name)
        if licence.holder_code_type == HolderCodeType.ID_CARD
        else licence.holder_name,
        "holder_code": masked,
        "issuer": licence.department.name,
        "issued_on": licence.issued_on.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else "长期",
        "status": licence.status,
        "status_label": LicenceStatus(licence.status).label,
        "seal": licence.seal.name,
        "seal_status": licence.seal.status,
        "seal_status_label": SealStatus(licence.seal.status).label,
    }


def check(licence: Licence, *, today: date | None = None) -> Result:
    """Both signatures, then the seal's and the licence's state."""
    seal = licence.seal
    sm2_ok = signing.sm2_check(metadata(licence), licence.sm2_signature, seal.sm2_public_key)
    pades = signing.pades_check(bytes(licence.pdf), authority_pem=seal.authority.certificate_pem)
    pades_ok = pades.ok and pades.certificate_serial == seal.certificate_serial
    result = Result(
        Verdict.VALID,
        licence.identifier,
        licence=licence,
        sm2_valid=sm2_ok,
        pades_valid=pades_ok,
        details=_details(licence),
    )
    day = today or timezone.localdate()
    if not (sm2_ok and pades_ok):
        result.verdict, result.message = (
            Verdict.TAMPERED,
            "签名校验未通过，请勿使用该证照，并向颁发机构核实。",
        )
    elif seal.status == SealStatus.REVOKED:
        result.verdict, result.message = (
            Verdict.SEAL_REVOKED,
            "签发该证照的电子印章已被吊销，请向颁发机构核实。",
        )
    elif licence.status in _STATUS_VERDICT:
        result.verdict = _STATUS_VERDICT[LicenceStatus(licence.status)]
        if licence.status == LicenceStatus.SUPERSEDED and hasattr(licence, "replaced_by"):
            result.message = f"该证照已变更，现行版本标识：{licence.replaced_by.identifier}"
    elif licence.valid_until is not None and licence.valid_until < day:
        result.verdict = Verdict.EXPIRED
    return result


def _loaded(**lookup: Any) -> Licence | None:
    """The licence with what a check reads; the seal's and the CA's private keys stay in the database."""
    return (
        Licence.objects.select_related("licence_type", "department", "seal__authority")
        .defer(
            "seal__ec_private_key",
            "seal__sm2_private_key",
            "seal__image_svg",
            "seal__authority__private_key_pem",
        )
        .filter(**lookup)
        .first()
    )


def verify_identifier(text: str) -> Result:
    parsed = identifiers.parse(text)
    shown = (text or "").strip()[:96]
    if parsed is None:
        return Result(Verdict.UNKNOWN, shown, message="电子证照标识格式或校验位不正确。")
    licence = _loaded(identifier=str(parsed))
    if licence is None:
        return Result(Verdict.UNKNOWN, str(parsed), message="平台没有颁发过该标识的电子证照。")
    return check(licence)


def verify_pdf(content: bytes) -> Result:
    """An uploaded licence file: it must be byte for byte the one the platform issued (an altered or forged
    file is answered as such), then it is checked as its record."""
    if len(content) > MAX_PDF_BYTES:
        raise PayloadTooLarge(f"文件不能超过 {MAX_PDF_BYTES // (1024 * 1024)} MB。")
    if not content.startswith(b"%PDF-"):
        raise ValidationFailed.for_field("file", "请上传PDF格式的电子证照文件。")
    licence = _loaded(pdf_sm3=sm3_hex(content))
    if licence is not None:
        return check(licence)
    return Result(
        Verdict.TAMPERED,
        "",
        message="该文件不是平台颁发的电子证照原件：文件已被改动，或签名不是平台的电子印章。",
        pades_valid=False,
    )
