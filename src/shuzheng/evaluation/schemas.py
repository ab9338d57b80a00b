"""API shapes of 好差评. Inputs forbid unknown fields; outputs are built from rows by the API module
(evaluators masked unless the reader holds identity.view_clear_personal_data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from shuzheng.core.schemas import StrictIn
from shuzheng.evaluation.constants import COMMENT_MAX_LENGTH, DisputeDecision

_LEVEL_HELP = "评价等级（即整体满意度）：5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意"
_DIMENSIONS_HELP = (
    "分项评价 {指标: 1–5}。线上：overall 整体满意度、efficiency 办事效率、guide_accuracy 办事指南精确度、"
    "convenience 办事便捷度、usability 平台操作性；现场/二维码：overall、efficiency 服务效率、"
    "service_level 服务水平、attitude 服务态度。overall 与 level 至少给出一个，都给出时须一致。"
)


class RatingIn(StrictIn):
    level: int | None = Field(None, description=_LEVEL_HELP, strict=True)
    dimensions: dict[str, Any] = Field(default_factory=dict, description=_DIMENSIONS_HELP)
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH * 2, description="评价内容，不超过500字")


class CaseEvaluationIn(RatingIn):
    case_id: int


class QrEvaluationIn(RatingIn):
    hall_code: str = Field(..., max_length=32)
    window_number: str | None = Field(None, max_length=16)
    phone: str = Field("", max_length=20, description="回访电话（可选，加密保存）")


class EvaluationOut(Schema):
    id: int
    case_id: int | None
    case_number: str | None
    channel: str
    channel_label: str
    department_id: int
    department_name: str
    item_id: int | None
    item_name: str
    hall_id: int | None
    hall_name: str | None
    window_id: int | None
    window_number: str | None
    level: int
    level_label: str
    is_bad: bool
    dimensions: dict[str, int]
    comment: str
    evaluator: str
    real_name: bool
    contact: str
    evaluated_at: datetime
    voided: bool
    void_reason: str
    rectification_id: int | None
    rectification_status: str | None


class EvaluationReceiptOut(Schema):
    """What the evaluator gets back (no staff-side details)."""

    id: int
    channel: str
    level: int
    level_label: str
    is_bad: bool
    evaluated_at: datetime
    message: str


class EvaluationPage(Schema):
    items: list[EvaluationOut]
    next_cursor: str | None


class HistoryOut(Schema):
    from_status: str
    to_status: str
    to_status_label: str
    action: str
    actor: str
    occurred_at: datetime
    note: str


class RectificationOut(Schema):
    id: int
    evaluation_id: int
    department_id: int
    department_name: str
    owner_id: int | None
    owner_name: str | None
    unassigned: bool
    status: str
    status_label: str
    due_date: date
    overdue: bool
    return_visit_required: bool
    return_visited_at: datetime | None
    return_visit_note: str
    result: str
    rectified_at: datetime | None
    checked_by_id: int | None
    checked_at: datetime | None
    check_note: str
    level: int
    level_label: str


class RectificationDetailOut(RectificationOut):
    history: list[HistoryOut]


class RectificationPage(Schema):
    items: list[RectificationOut]
    next_cursor: str | None


class ReturnVisitIn(StrictIn):
    note: str = Field(..., max_length=2000, description="回访记录")


class ResultIn(StrictIn):
    result: str = Field(..., max_length=4000, description="整改结果")


class CheckIn(StrictIn):
    passed: bool = Field(..., description="核查结论：true 通过，false 不通过（退回整改）")
    note: str = Field("", max_length=2000, description="核查意见；不通过时必填")


class AssignIn(StrictIn):
    owner_id: int


class DisputeIn(StrictIn):
    reason: str = Field(..., max_length=2000, description="申诉理由（恶意评价或误评的具体情况）")


class DisputeReviewIn(StrictIn):
    decision: DisputeDecision = Field(..., description="uphold 申诉成立（作废评价）；dismiss 申诉不成立")
    note: str = Field(..., max_length=2000, description="复核意见（作废时即作废理由）")


class DisputeOut(Schema):
    id: int
    evaluation_id: int
    department_name: str
    level: int
    level_label: str
    reason: str
    filed_by: str
    status: str
    status_label: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str
    created_at: datetime


class DisputePage(Schema):
    items: list[DisputeOut]
    next_cursor: str | None


class StatsRowOut(Schema):
    key: str
    label: str
    levels: dict[str, int]
    level_counts: dict[str, int]
    total: int
    satisfied: int
    satisfaction_rate: float | None
    bad: int
    rectified: int
    rectification_rate: float | None
    return_visit_required: int
    return_visited: int
    return_visit_rate: float | None
    score: float | None


class StatsOut(Schema):
    group_by: str
    period: str
    date_from: date | None
    date_to: date | None
    rows: list[StatsRowOut]
    total: StatsRowOut
    definitions: dict[str, str]
