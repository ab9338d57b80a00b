"""Field-encryption key ring from settings, 'id:hex,id:hex': the first key encrypts, all decrypt."""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _parse(spec: str) -> tuple[str, dict[str, bytes]]:
    ring: dict[str, bytes] = {}
    order: list[str] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, _, hex_key = part.partition(":")
        try:
            key = bytes.fromhex(hex_key)
        except ValueError as exc:
            raise ImproperlyConfigured(f"SHUZHENG_FIELD_KEYS: key {key_id!r} is not hex") from exc
        if len(key) != 16 or not key_id or ":" in key_id:
            raise ImproperlyConfigured(f"SHUZHENG_FIELD_KEYS: key {key_id!r} must be id:32-hex-digits")
        ring[key_id] = key
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("SHUZHENG_FIELD_KEYS is empty")
    return order[0], ring


def current_key() -> tuple[str, bytes]:
    key_id, ring = _parse(settings.SHUZHENG_FIELD_KEYS)
    return key_id, ring[key_id]


def key_by_id(key_id: str) -> bytes | None:
    return _parse(settings.SHUZHENG_FIELD_KEYS)[1].get(key_id)


def index_key() -> bytes:
    """Blind-index key derived from the oldest key so rotation does not change stored lookups."""
    _, ring = _parse(settings.SHUZHENG_FIELD_KEYS)
    base = list(ring.values())[-1]
    mac = hmac.HMAC(base, hashes.SM3())
    mac.update(b"shuzheng-blind-index")
    return mac.finalize()
