"""API shapes of the 秒批 context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from shuzheng.core.schemas import StrictIn

_EXAMPLE_HELP = (
    '示例输入：{"form": {…}, "registry": {"person": {"birth_date": "1940-05-01"}}, "licences": {"types": []}}'
)


class ConditionOut(Schema):
    code: str
    label: str
    logic: dict[str, Any]


class RuleSetOut(Schema):
    id: int
    version_id: int
    item_code: str
    item_name: str
    revision: int
    status: str
    status_label: str
    conditions: list[ConditionOut]
    registries: dict[str, str]
    reasons: str
    legal_basis: str
    activated_at: datetime | None


class RuleSetTestIn(StrictIn):
    example: dict[str, Any] = Field(default_factory=dict, description=_EXAMPLE_HELP)


class ConditionResultOut(Schema):
    code: str
    label: str
    passed: bool | None = Field(description="true 满足，false 不满足，null 未能判定（缺少数据或无法计算）")
    missing: list[str]
    error: str


class RuleSetTestOut(Schema):
    all_passed: bool
    results: list[ConditionResultOut]


class DecisionOut(Schema):
    id: int
    case_id: int
    case_number: str
    item_name: str
    department_name: str
    outcome: str
    outcome_label: str
    rule_set_id: int
    rule_revision: int
    decided_at: datetime
    elapsed_ms: int
    review: str
    review_label: str


class DecisionDetailOut(DecisionOut):
    inputs: dict[str, Any]
    results: list[ConditionResultOut]
    problems: list[str]
    reviewed_at: datetime | None
    review_note: str


class DecisionPage(Schema):
    items: list[DecisionOut]
    next_cursor: str | None
