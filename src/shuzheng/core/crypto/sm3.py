from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac

from shuzheng.core.crypto.keys import index_key


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def blind_index(value: str) -> str:
    """Keyed SM3 (HMAC) of a personal identifier, so it can be looked up without storing it in clear."""
    mac = hmac.HMAC(index_key(), hashes.SM3())
    mac.update(value.strip().upper().encode())
    return mac.finalize().hex()
