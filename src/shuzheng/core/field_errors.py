"""One collector of field errors, so a form or API call names every bad field in one answer, always in the
same words: "<summary>：<message>；<message>…（共N处问题）"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shuzheng.core.errors import ValidationFailed

#: How many messages the one-line detail spells out; `errors` always holds all of them.
SHOWN = 8


class FieldErrors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, field: str, message: str, *, type: str = "invalid", label: str = "") -> None:
        item: dict[str, Any] = {"field": field, "message": message, "type": type}
        if label:
            item["label"] = label
        self.items.append(item)

    def extend(self, error: ValidationFailed) -> None:
        self.items.extend(error.errors or [{"field": "", "message": error.detail, "type": "invalid"}])

    def check(self, validate: Callable[..., Any], value: Any, field: str) -> bool:
        """Run a `core.validators` check; its errors become this collection's. Whether `value` passed."""
        try:
            validate(value, field=field)
        except ValidationFailed as exc:
            self.extend(exc)
            return False
        return True

    def detail(self, summary: str = "") -> str:
        text = "；".join(
            f"{e['label']}：{e['message']}" if e.get("label") else e["message"] for e in self.items[:SHOWN]
        )
        if len(self.items) > SHOWN:
            text += f"（共{len(self.items)}处问题）"
        return f"{summary}：{text}" if summary else text

    def raise_if_any(self, summary: str = "", *, code: str | None = None) -> None:
        if self.items:
            raise ValidationFailed(self.detail(summary), errors=list(self.items), code=code)
