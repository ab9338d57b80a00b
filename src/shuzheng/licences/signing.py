"""Both signatures a sealed document carries.

- PAdES (ETSI EN 319 142, the /ETSI.CAdES.detached sub-filter) with pyHanko, by the seal's ECDSA P-256
  key certified by the platform CA, so any PDF reader (poppler's ``pdfsig``, Acrobat) checks it;
- SM2 (GB/T 32918.2) with the seal's SM2 key over the canonical licence data (UTF-8 JSON, keys sorted,
  no spaces), stored beside the record — pyHanko cannot sign with SM2.

A check's outcome depends only on the bytes checked and the key, so it is remembered in the cache by
their SM3 digest: a verification flood re-checks nothing it has seen (see docs/licences.md).
"""

from __future__ import annotations

import io
import json
import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from django.core.cache import cache

from shuzheng.core.crypto import sm2
from shuzheng.core.crypto.sm3 import sm3_hex
from shuzheng.licences.pki import load_certificate

with warnings.catch_warnings():  # pyHanko imports cryptography's deprecated DSA names at import time
    warnings.simplefilter("ignore")
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

logger = logging.getLogger(__name__)

CHECK_TTL: Final = 24 * 3600
FIELD_NAME: Final = "电子印章"
RESERVED_BYTES: Final = 8192


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sm2_sign(data: dict[str, Any], private_key_hex: str) -> str:
    return sm2.sign(canonical(data), private_key_hex)


def sm2_check(data: dict[str, Any], signature_hex: str, public_key_hex: str) -> bool:
    message = canonical(data)
    key = "licences:sm2:" + sm3_hex(message + b"|" + signature_hex.encode() + b"|" + public_key_hex.encode())
    known = cache.get(key)
    if known is not None:
        return bool(known)
    ok = sm2.verify(message, signature_hex, public_key_hex)
    cache.set(key, ok, CHECK_TTL)
    return ok


def _asn1_certificate(pem: str) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(load_certificate(pem).public_bytes(serialization.Encoding.DER))


@lru_cache(maxsize=64)
def _signer(certificate_pem: str, private_key_pem: str, authority_pem: str) -> signers.SimpleSigner:
    """One parsed signer per seal key (parsing the key and certificates costs more than signing)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=_asn1_certificate(certificate_pem),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_certificate(authority_pem)]),
    )


def pades_sign(
    pdf: bytes,
    *,
    certificate_pem: str,
    private_key_pem: str,
    authority_pem: str,
    reason: str,
    location: str,
) -> bytes:
    """An incremental update adding one approval signature over the whole document."""
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signer = _signer(certificate_pem, private_key_pem, authority_pem)
    # a reserved size skips pyHanko's trial signature (it would otherwise sign twice to measure the CMS)
    output = signers.sign_pdf(writer, metadata, signer=signer, bytes_reserved=RESERVED_BYTES)
    return output.getvalue()


@dataclass(frozen=True)
class PadesResult:
    intact: bool  # the signed bytes are unchanged and the signature verifies
    trusted: bool  # the certificate chains to the platform CA
    certificate_serial: str  # hex, "" when none could be read
    whole_document: bool  # nothing was appended after the signature

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and self.whole_document


BROKEN: Final = PadesResult(False, False, "", False)


def pades_check(pdf: bytes, *, authority_pem: str) -> PadesResult:
    """The document's one signature checked against the platform CA; anything unreadable is BROKEN."""
    key = "licences:pades:" + sm3_hex(pdf + b"|" + authority_pem.encode())
    known = cache.get(key)
    if isinstance(known, tuple) and len(known) == 4:
        return PadesResult(*known)
    result = _pades_check(pdf, authority_pem)
    cache.set(
        key, (result.intact, result.trusted, result.certificate_serial, result.whole_document), CHECK_TTL
    )
    return result


def _pades_check(pdf: bytes, authority_pem: str) -> PadesResult:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return BROKEN
        embedded = signatures[0]
        context = ValidationContext(trust_roots=[_asn1_certificate(authority_pem)], allow_fetching=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            status = validate_pdf_signature(embedded, context)
        serial = f"{embedded.signer_cert.serial_number:x}"
        coverage = getattr(status, "coverage", None)
        whole = (
            coverage is not None
            and coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION")
            and (embedded.signed_revision == reader.xrefs.total_revisions - 1)
        )
        return PadesResult(bool(status.intact and status.valid), bool(status.trusted), serial, bool(whole))
    except Exception as exc:  # a forged file can fail anywhere in the parser or the CMS decoder
        logger.info("licences.pades_check: unreadable document (%s)", type(exc).__name__)
        return BROKEN
