"""E-licence identifiers as the national e-licence standards' implementations write them:

``1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`` — the type code is the defining
authority's USCC plus 3 digits (21 characters), the issuer code the issuing organisation's USCC, the
serial 11 digits (year + 7 digits), the version 3 digits, and the check character ISO/IEC 7064
MOD 37,36 (GB/T 17710) over the four middle fields joined without dots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from stdnum.iso7064 import mod_37_36

from shuzheng.core.errors import ValidationFailed
from shuzheng.core.validators import validate_uscc
from shuzheng.licences.constants import IDENTIFIER_PREFIX

_SHAPE: Final = re.compile(
    r"^1\.2\.156\.3005\.2\.([0-9A-Z]{18}\d{3})\.([0-9A-Z]{18})\.(\d{11})\.(\d{3})\.([0-9A-Z])$"
)


@dataclass(frozen=True)
class Identifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int

    @property
    def body(self) -> str:
        return f"{self.type_code}{self.issuer_code}{self.serial}{self.version:03d}"

    def __str__(self) -> str:
        check = mod_37_36.calc_check_digit(self.body)
        parts = (
            IDENTIFIER_PREFIX,
            self.type_code,
            self.issuer_code,
            self.serial,
            f"{self.version:03d}",
            check,
        )
        return ".".join(parts)


def validate_type_code(code: str, *, field: str = "code") -> str:
    """A licence type code: a USCC (with its check character) and three digits."""
    text = (code or "").strip().upper()
    if len(text) != 21 or not text[18:].isdigit():
        raise ValidationFailed.for_field(
            field, "证照类型代码应为定义机构的统一社会信用代码加3位数字（共21位）"
        )
    validate_uscc(text[:18], field=field)
    return text


def serial_for(year: int, sequence: int) -> str:
    if not 1 <= sequence <= 9_999_999:
        raise ValueError("sequence must be in 1..9999999")
    return f"{year:04d}{sequence:07d}"


def parse(text: str) -> Identifier | None:
    """The identifier's parts when its shape and check character are right, else None."""
    value = (text or "").strip().upper()
    match = _SHAPE.match(value)
    if match is None:
        return None
    type_code, issuer_code, serial, version, check = match.groups()
    body = f"{type_code}{issuer_code}{serial}{version}"
    if not mod_37_36.is_valid(body + check):
        return None
    return Identifier(type_code, issuer_code, serial, int(version))
