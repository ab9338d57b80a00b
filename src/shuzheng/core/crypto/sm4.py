"""SM4-GCM for personal-data fields. Stored form: 'sm4gcm$<key id>$<base64(nonce || ciphertext || tag)>'."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shuzheng.core.crypto.keys import current_key, key_by_id

PREFIX = "sm4gcm"
_NONCE = 12
_TAG = 16


class DecryptionError(ValueError):
    pass


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, *, nonce: bytes | None = None, aad: bytes = b"") -> bytes:
    nonce = nonce or os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, *, aad: bytes = b"") -> bytes:
    if len(blob) < _NONCE + _TAG:
        raise DecryptionError("ciphertext is too short")
    nonce, body, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise DecryptionError("ciphertext was altered or the key is wrong") from exc


def encrypt_text(value: str) -> str:
    key_id, key = current_key()
    blob = sm4_gcm_encrypt(key, value.encode(), aad=key_id.encode())
    return f"{PREFIX}${key_id}${base64.b64encode(blob).decode()}"


def decrypt_text(stored: str) -> str:
    prefix, _, rest = stored.partition("$")
    key_id, _, payload = rest.partition("$")
    if prefix != PREFIX or not payload:
        raise DecryptionError("not an SM4-GCM field value")
    key = key_by_id(key_id)
    if key is None:
        raise DecryptionError(f"unknown key id {key_id!r}")
    try:
        blob = base64.b64decode(payload, validate=True)
    except ValueError as exc:
        raise DecryptionError("ciphertext is not valid base64") from exc
    return sm4_gcm_decrypt(key, blob, aad=key_id.encode()).decode()


def key_id_of(stored: str) -> str:
    return stored.split("$", 2)[1] if stored.startswith(PREFIX + "$") else ""
