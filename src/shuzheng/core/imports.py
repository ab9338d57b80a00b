"""What a bulk import did, or (when it has errors) why it changed nothing: one shape for every importer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str
    sheet: str = ""

    def where(self) -> str:
        if self.sheet:
            return f"“{self.sheet}”表第{self.row}行" if self.row else f"“{self.sheet}”表"
        return f"第{self.row}行" if self.row else "文件"

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"row": self.row, "field": self.field, "message": self.message}
        if self.sheet:
            row["sheet"] = self.sheet
        return row

    def __str__(self) -> str:
        return f"{self.where()}{f'【{self.field}】' if self.field else ''}：{self.message}"


@dataclass
class ImportReport:
    #: How the summary counts rows (条 for records, 项 for catalog items).
    unit: str = "条"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "published": self.published,
            "errors": [e.as_dict() for e in self.errors],
        }

    def summary(self) -> str:
        if self.errors:
            return f"导入失败，未做任何修改：共{len(self.errors)}处错误。"
        u = self.unit
        text = f"导入完成：新增{self.created}{u}，更新{self.updated}{u}，未变{self.unchanged}{u}"
        return text + (f"，发布{self.published}{u}。" if self.published else "。")
