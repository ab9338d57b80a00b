"""A model field that stores SM4-GCM ciphertext and gives plaintext back on read."""

from __future__ import annotations

from typing import Any

from django.db import models

from shuzheng.core.crypto.sm4 import PREFIX, decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    description = "SM4-GCM encrypted text"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX + "$"):
            return decrypt_text(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))
