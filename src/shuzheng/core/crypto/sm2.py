"""SM2 signatures (GB/T 32918.2) behind one adapter over snowland-smx (``pysmx``).

The digest is computed here, as the standard says: Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA),
e = SM3(Z || M); only the curve arithmetic on e (sign with a fresh CSPRNG nonce, verify) is the
library's. Keys are hex: private d (64 digits), public x||y (128 digits; an ``04`` prefix is accepted).
Signatures are hex r||s (128 digits).
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pysmx import SM2

from shuzheng.core.crypto.sm3 import sm3_hex

logger = logging.getLogger(__name__)

#: The default user id of GB/T 35276 / GM/T 0009 when none is agreed.
DEFAULT_USER_ID = b"1234567812345678"

# The recommended curve of GB/T 32918.5 (the one pysmx implements).
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G_HEX = (
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"
)
_FIELD_HEX = 64

DEMO_KEY_FILE = "sm2-demo.key"


class InvalidKeyError(ValueError):
    """A key that is not a valid SM2 key."""


def _parse_private(private_key_hex: str) -> int:
    try:
        d = int(private_key_hex.strip(), 16)
    except (ValueError, AttributeError) as exc:
        raise InvalidKeyError("SM2 private key must be hex") from exc
    if not 1 <= d <= N - 2:
        raise InvalidKeyError("SM2 private key out of range [1, n-2]")
    return d


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _parse_public(public_key_hex: str) -> str:
    """Normalise to 128 lower-case hex digits x||y, checking the point is on the SM2."""
    text = public_key_hex.strip().lower()
    if len(text) == 2 * _FIELD_HEX + 2 and text.startswith("04"):
        text = text[2:]
    if len(text) != 2 * _FIELD_HEX:
        raise InvalidKeyError("SM2 public key must be 128 hex digits (x||y)")
    try:
        x, y = int(text[:_FIELD_HEX], 16), int(text[_FIELD_HEX:], 16)
    except ValueError as exc:
        raise InvalidKeyError("SM2 public key must be hex") from exc
    if not _on_curve(x, y):
        raise InvalidKeyError("SM2 public key is not a point on the curve")
    return text


def public_key_of(private_key_hex: str) -> str:
    """The public key x||y (hex) for a private key."""
    return str(SM2.kG(_parse_private(private_key_hex), G_HEX, _FIELD_HEX))


def generate_keypair() -> tuple[str, str]:
    """(private_hex, public_hex) with d drawn from the OS CSPRNG in [1, n-2]."""
    d = secrets.randbelow(N - 2) + 1
    private_hex = f"{d:064x}"
    return private_hex, public_key_of(private_hex)


def z_value(public_key_hex: str, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL || ID_A || a || b || x_G || y_G || x_A || y_A), GB/T 32918.2 section 5.5."""
    entl = len(user_id) * 8
    if entl >= 1 << 16:
        raise ValueError("SM2 user id must be shorter than 8192 bytes")
    public = _parse_public(public_key_hex)
    data = (
        entl.to_bytes(2, "big")
        + user_id
        + A.to_bytes(32, "big")
        + B.to_bytes(32, "big")
        + bytes.fromhex(G_HEX)
        + bytes.fromhex(public)
    )
    return bytes.fromhex(sm3_hex(data))


def message_digest(data: bytes, public_key_hex: str, user_id: bytes = DEFAULT_USER_ID) -> int:
    """e = SM3(Z_A || M) as an integer."""
    return int(sm3_hex(z_value(public_key_hex, user_id) + data), 16)


def _sign_digest(e: int, d: int, k: int) -> tuple[int, int] | None:
    """One signing attempt with nonce k; None when the standard says to draw another k."""
    try:
        raw = SM2.Sign(f"{e:064x}", f"{d:064x}", f"{k:064x}", _FIELD_HEX, Hexstr=1)
    except TypeError:  # the library's way of reporting s == 0
        return None
    if not raw:
        return None
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    return (r, s) if 1 <= r < N and 1 <= s < N else None


def sign(data: bytes, private_key_hex: str, *, user_id: bytes = DEFAULT_USER_ID) -> str:
    """Sign ``data`` (as M) with the GB/T 32918.2 scheme; returns hex r||s."""
    d = _parse_private(private_key_hex)
    e = message_digest(data, public_key_of(private_key_hex), user_id)
    while True:
        signature = _sign_digest(e, d, secrets.randbelow(N - 1) + 1)
        if signature is not None:
            return f"{signature[0]:064x}{signature[1]:064x}"


def verify(data: bytes, signature_hex: str, public_key_hex: str, *, user_id: bytes = DEFAULT_USER_ID) -> bool:
    """True only for a valid signature; malformed signatures or keys are simply not valid."""
    text = signature_hex.strip().lower()
    if len(text) != 2 * _FIELD_HEX:
        return False
    try:
        r, s = int(text[:_FIELD_HEX], 16), int(text[_FIELD_HEX:], 16)
        public = _parse_public(public_key_hex)
    except ValueError:
        return False
    if not (1 <= r < N and 1 <= s < N):
        return False
    e = message_digest(data, public, user_id)
    try:
        return bool(SM2.Verify(f"{r:064x}{s:064x}", f"{e:064x}", public, _FIELD_HEX, Hexstr=1))
    except (TypeError, ValueError):  # the point at infinity surfaces as a None inside the library
        return False


@dataclass(frozen=True)
class Signer:
    """A key pair bound to one user id, e.g. the platform's own for receipts and exported documents."""

    private_key_hex: str
    public_key_hex: str
    user_id: bytes = DEFAULT_USER_ID

    def sign(self, data: bytes) -> str:
        return sign(data, self.private_key_hex, user_id=self.user_id)

    def verify(self, data: bytes, signature_hex: str) -> bool:
        return verify(data, signature_hex, self.public_key_hex, user_id=self.user_id)


@lru_cache(maxsize=4)
def _signer_for(private_key_hex: str) -> Signer:
    try:
        return Signer(private_key_hex=private_key_hex, public_key_hex=public_key_of(private_key_hex))
    except InvalidKeyError as exc:
        raise ImproperlyConfigured(f"SHUZHENG_SM2_PRIVATE_KEY: {exc}") from exc


def _read_or_create_demo_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    private_hex, _ = generate_keypair()
    with os.fdopen(fd, "w") as handle:
        handle.write(private_hex + "\n")
    return private_hex


def platform_signer() -> Signer:
    """The platform key: settings.SHUZHENG_SM2_PRIVATE_KEY, or a demo key kept in DATA_DIR/sm2-demo.key."""
    configured = (settings.SHUZHENG_SM2_PRIVATE_KEY or "").strip()
    if configured:
        return _signer_for(configured.lower())
    path = Path(settings.DATA_DIR) / DEMO_KEY_FILE
    private_hex = _read_or_create_demo_key(path)
    if not private_hex:  # another process created the file and is still writing it
        raise ImproperlyConfigured(f"{path} is empty; remove it or set SHUZHENG_SM2_PRIVATE_KEY")
    signer = _signer_for(private_hex.lower())
    if path not in _warned_paths:
        _warned_paths.add(path)
        logger.warning(
            "sm2.demo_key: SHUZHENG_SM2_PRIVATE_KEY is not set; signing with the demo key in %s "
            "(fit for a demo only — set the variable in production)",
            path,
        )
    return signer


_warned_paths: set[Path] = set()
