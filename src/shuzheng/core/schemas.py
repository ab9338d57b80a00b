"""The one base of every API input schema: unknown fields refused, text stripped, and characters no database
column can hold refused at any depth, naming the field (NUL breaks PostgreSQL text and jsonb; a lone
surrogate cannot be encoded as UTF-8 at all)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from shuzheng.core.pagination import MAX_LIMIT

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "不能含有空字符（NUL）或无效的 Unicode 字符"

#: The `limit` query parameter of every keyset-paged list, with its bounds in the OpenAPI document.
PageLimit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）")]


def has_unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def printable(text: str) -> str:
    """`text` safe to echo in a message or a log line (each unstorable character becomes U+FFFD)."""
    return _UNSTORABLE.sub("\ufffd", text)


def unstorable_path(value: Any, path: str = "") -> str | None:
    """Where in a decoded JSON value (keys included) the first unstorable character sits, or None."""
    if isinstance(value, str):
        return path if has_unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{printable(str(key))}" if path else printable(str(key))
            if isinstance(key, str) and has_unstorable(key):
                return inner
            found = unstorable_path(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = unstorable_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        found = unstorable_path(value)
        if found is not None:
            where = f"（位置：{found}）" if found else ""
            raise ValueError(f"{UNSTORABLE_MESSAGE}{where}")
        return value
