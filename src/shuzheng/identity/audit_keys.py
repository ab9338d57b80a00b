"""The SM2 key that signs audit tree heads. It is never in the database, so whoever can rewrite the
tables cannot re-sign the heads.

* Signing: settings.AUDIT_SIGNING_KEY (hex private key, from SHUZHENG_AUDIT_SIGNING_KEY) or the file
  settings.AUDIT_SIGNING_KEY_FILE. Unset (a demo or a test run), a demo key is generated into
  DATA_DIR/audit-sm2-demo.key with a warning — heads signed with it are only as safe as that file.
* Verification: the active key's public key plus settings.AUDIT_VERIFY_KEYS (hex public keys of
  earlier, rotated keys), so heads signed before a rotation still verify.
* key id: the first 16 hex digits of SM3(public key x||y), stored with every head.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shuzheng.core.crypto import sm2
from shuzheng.core.crypto.sm3 import sm3_hex

logger = logging.getLogger(__name__)

DEMO_KEY_FILE = "audit-sm2-demo.key"
KEY_ID_LENGTH = 16


def key_id_of(public_key_hex: str) -> str:
    return sm3_hex(bytes.fromhex(public_key_hex))[:KEY_ID_LENGTH]


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    public_key_hex: str
    active: bool
    source: str


def _demo_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    private_hex, _ = sm2.generate_keypair()
    with os.fdopen(fd, "w") as handle:
        handle.write(private_hex + "\n")
    return private_hex


def _configured_private_key() -> tuple[str, str]:
    """(private key hex, where it came from)."""
    if settings.AUDIT_SIGNING_KEY:
        return settings.AUDIT_SIGNING_KEY.strip().lower(), "SHUZHENG_AUDIT_SIGNING_KEY"
    if settings.AUDIT_SIGNING_KEY_FILE:
        path = Path(settings.AUDIT_SIGNING_KEY_FILE)
        try:
            return path.read_text().strip().lower(), str(path)
        except OSError as exc:
            raise ImproperlyConfigured(f"SHUZHENG_AUDIT_SIGNING_KEY_FILE {path}: {exc}") from exc
    path = Path(settings.DATA_DIR) / DEMO_KEY_FILE
    private_hex = _demo_key(path)
    if not private_hex:
        raise ImproperlyConfigured(f"{path} is empty; remove it or set SHUZHENG_AUDIT_SIGNING_KEY")
    _warn_demo(str(path))
    return private_hex.lower(), f"{path}（演示密钥）"


@lru_cache(maxsize=8)
def _warn_demo(path: str) -> None:
    logger.warning(
        "audit.demo_key: SHUZHENG_AUDIT_SIGNING_KEY is not set; audit tree heads are signed with the "
        "demo key in %s, which is only fit for a demo or a test",
        path,
    )


@lru_cache(maxsize=8)
def _signer(private_hex: str) -> sm2.Signer:
    try:
        return sm2.Signer(private_key_hex=private_hex, public_key_hex=sm2.public_key_of(private_hex))
    except sm2.InvalidKeyError as exc:
        raise ImproperlyConfigured(f"审计签名密钥无效：{exc}") from exc


def _public_key(entry: str) -> str:
    """A configured public key as 128 lower-case hex digits, refused unless it is a point on the curve."""
    text = entry.strip().lower()
    text = text[2:] if len(text) == 130 and text.startswith("04") else text
    try:
        sm2.z_value(text)  # parses and checks the point
    except sm2.InvalidKeyError as exc:
        raise ImproperlyConfigured(f"SHUZHENG_AUDIT_VERIFY_KEYS: {exc}") from exc
    return text


def active_signer() -> tuple[str, sm2.Signer]:
    """(key id, signer) of the key that signs new heads."""
    private_hex, _ = _configured_private_key()
    signer = _signer(private_hex)
    return key_id_of(signer.public_key_hex), signer


def listed_keys() -> list[AuditKey]:
    """The active key first, then the configured verification keys (duplicates dropped)."""
    private_hex, source = _configured_private_key()
    active = _signer(private_hex).public_key_hex
    keys = [AuditKey(key_id_of(active), active, True, source)]
    for entry in settings.AUDIT_VERIFY_KEYS:
        public = _public_key(entry)
        if all(k.public_key_hex != public for k in keys):
            keys.append(AuditKey(key_id_of(public), public, False, "SHUZHENG_AUDIT_VERIFY_KEYS"))
    return keys


def verification_keys() -> dict[str, str]:
    """key id -> public key hex, for every key a head may legitimately be signed with."""
    return {key.key_id: key.public_key_hex for key in listed_keys()}
