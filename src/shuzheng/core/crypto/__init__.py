"""National cryptography (GM/T): SM3 digests, SM4-GCM field encryption, SM2 signatures."""

from shuzheng.core.crypto.sm3 import blind_index, sm3_hex
from shuzheng.core.crypto.sm4 import decrypt_text, encrypt_text

__all__ = ["blind_index", "decrypt_text", "encrypt_text", "sm3_hex"]
