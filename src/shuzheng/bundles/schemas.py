"""API shapes of the bundles context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from shuzheng.core.schemas import StrictIn


class BundleSummaryOut(Schema):
    code: str
    name: str
    number: int
    audience: str
    theme: str
    theme_label: str
    lead_department: str
    item_count: int


class BundlePage(Schema):
    items: list[BundleSummaryOut]
    next_cursor: str | None


class MemberOut(Schema):
    position: int
    item_code: str
    item_name: str
    department: str
    waits_for: int | None
    mapping: dict[str, str]
    own_fields: list[str]
    available: bool


class BundleMaterialOut(Schema):
    key: str
    name: str
    exempt: bool
    required: bool
    used_by: list[int]


class BundleOut(BundleSummaryOut):
    summary: str
    refusal_rule: str
    shared_fields: list[dict[str, Any]]
    members: list[MemberOut]
    materials: list[BundleMaterialOut]
    fields_before: int
    fields_after: int


class MaterialAnswerIn(StrictIn):
    key: str = Field(max_length=300)
    upload_id: int | None = None
    licence_reference: str = Field("", max_length=100)
    deferred: bool = False


class ApplicationIn(StrictIn):
    shared: dict[str, Any] = Field(default_factory=dict, description="共用字段：字段名 → 值")
    own: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="各事项单独填写的字段：实施编码 → {字段: 值}"
    )
    materials: list[MaterialAnswerIn] = Field(default_factory=list, description="去重后的材料清单，每项一份")


class ChildOut(Schema):
    position: int
    item_code: str
    item_name: str
    status: str
    status_label: str
    case_number: str
    waits_for: int | None
    note: str
    correction: list[dict[str, Any]] | None


class ApplicationOut(Schema):
    number: str
    bundle_code: str
    bundle_name: str
    version: int
    status: str
    status_label: str
    outcome: str
    outcome_label: str
    received_at: datetime
    concluded_at: datetime | None
    children: list[ChildOut]


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: str | None


class CorrectionAnswerIn(StrictIn):
    note: str = Field("", max_length=2000)
    materials: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class EvaluationIn(StrictIn):
    level: int | None = Field(None, description="整体满意度：5 非常满意 … 1 非常不满意")
    dimensions: dict[str, Any] = Field(default_factory=dict)
    comment: str = Field("", max_length=500)


class BundleEvaluationOut(Schema):
    rated: int
