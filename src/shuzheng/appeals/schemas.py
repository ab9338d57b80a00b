"""API shapes of the appeals context. Inputs forbid unknown fields; outputs are built from model rows.

Personal data never leaves in clear unless the caller has clearance: ``AppealOut`` carries the reporter
masked by the API layer (``reporter`` is filled from ``selectors.appeal_reporter``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from shuzheng.appeals.constants import AppealChannel, AppealType, Urgency, VisitResult
from shuzheng.appeals.models import Appeal, WorkOrder
from shuzheng.core.schemas import StrictIn


class AppealIn(StrictIn):
    channel: AppealChannel = AppealChannel.HOTLINE
    appeal_type: AppealType
    text: str = Field(..., description="诉求内容（不超过 SHUZHENG_APPEAL_MAX_TEXT 字）")
    division_code: str = Field(..., max_length=12, description="所在镇街或村居的区划代码")
    title: str = ""
    category_code: str | None = Field(None, max_length=32)
    grid_code: str | None = Field(None, max_length=32)
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    is_anonymous: bool = False
    publish_consent: bool = Field(False, description="诉求人同意公开诉求内容（脱敏后），默认不同意")
    is_enterprise: bool = False
    enterprise_uscc: str = ""
    enterprise_name: str = ""
    urgency: Urgency = Urgency.NORMAL
    direct_answer: str = Field("", description="当场答复的内容（直接答复办结，仅咨询、求助、建议、表扬）")
    knowledge_article_id: int | None = None


class CitizenAppealIn(StrictIn):
    appeal_type: AppealType
    text: str
    division_code: str = Field(..., max_length=12)
    title: str = ""
    category_code: str | None = Field(None, max_length=32)
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    reporter_phone: str = ""
    is_anonymous: bool = False
    publish_consent: bool = Field(False, description="同意公开诉求内容（脱敏后），默认不同意")


class SuggestionOut(Schema):
    department_id: int
    department_code: str
    department: str
    probability: float


class ReporterOut(Schema):
    name: str
    phone: str
    masked: bool


class SlaOut(Schema):
    state: str
    label: str
    due_at: datetime | None
    remaining_hours: float | None


class AppealOut(Schema):
    id: int
    number: str
    channel: str
    channel_label: str
    appeal_type: str
    appeal_type_label: str
    category_code: str | None
    category_name: str | None
    title: str
    text: str
    division_code: str
    division_name: str
    grid_code: str | None
    latitude: float | None
    longitude: float | None
    address: str
    is_anonymous: bool
    publish_consent: bool
    is_enterprise: bool
    urgency: str
    status: str
    status_label: str
    received_at: datetime
    due_at: datetime | None
    sla_rule: str
    department_id: int | None
    department_name: str | None
    work_order_id: int | None
    merged_into_id: int | None
    conclusion: str
    answer_text: str
    replied_at: datetime | None
    concluded_at: datetime | None
    satisfaction: str
    version: int
    dispatch_suggestions: list[dict[str, Any]]
    merge_suggestions: list[dict[str, Any]]

    @staticmethod
    def resolve_channel_label(obj: Appeal) -> str:
        return obj.get_channel_display()

    @staticmethod
    def resolve_appeal_type_label(obj: Appeal) -> str:
        return obj.get_appeal_type_display()

    @staticmethod
    def resolve_status_label(obj: Appeal) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_category_code(obj: Appeal) -> str | None:
        return obj.category.code if obj.category_id and obj.category else None

    @staticmethod
    def resolve_category_name(obj: Appeal) -> str | None:
        return obj.category.name if obj.category_id and obj.category else None

    @staticmethod
    def resolve_division_code(obj: Appeal) -> str:
        return obj.division.code

    @staticmethod
    def resolve_division_name(obj: Appeal) -> str:
        return obj.division.name

    @staticmethod
    def resolve_grid_code(obj: Appeal) -> str | None:
        return obj.grid.code if obj.grid_id and obj.grid else None

    @staticmethod
    def resolve_department_name(obj: Appeal) -> str | None:
        return obj.department.name if obj.department_id and obj.department else None

    @staticmethod
    def resolve_latitude(obj: Appeal) -> float | None:
        return float(obj.latitude) if obj.latitude is not None else None

    @staticmethod
    def resolve_longitude(obj: Appeal) -> float | None:
        return float(obj.longitude) if obj.longitude is not None else None


class AppealPage(Schema):
    items: list[AppealOut]
    next_cursor: str | None


class EventOut(Schema):
    id: int
    from_status: str
    to_status: str
    action: str
    actor_id: int | None
    department_id: int | None
    note: str
    occurred_at: datetime


class AppealDetailOut(AppealOut):
    reporter: ReporterOut
    sla: SlaOut
    history: list[EventOut]


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    original_name: str


class ConcludeIn(StrictIn):
    answer_text: str = ""
    knowledge_article_id: int | None = None


class DispatchIn(StrictIn):
    department_id: int
    assist_department_ids: list[int] = []
    category_code: str | None = None
    version: int | None = Field(None, description="诉求版本（并发控制，过期则返回409）")


class MergeIn(StrictIn):
    into_id: int


class NoteIn(StrictIn):
    note: str = ""


class WorkOrderOut(Schema):
    id: int
    number: str
    appeal_id: int
    appeal_number: str
    text: str
    lead_department_id: int
    lead_department_name: str
    status: str
    status_label: str
    appeal_type: str
    category_code: str | None
    dispatch_kind: str
    dispatched_at: datetime
    accepted_at: datetime | None
    due_at: datetime | None
    sla: SlaOut
    reply_text: str
    replied_at: datetime | None
    closed_at: datetime | None
    satisfaction: str
    return_count: int
    reassign_count: int
    remind_count: int
    supervise_count: int
    reopen_count: int
    is_supervised: bool
    reopen_reason: str
    version: int

    @staticmethod
    def resolve_appeal_number(obj: WorkOrder) -> str:
        return obj.appeal.number

    @staticmethod
    def resolve_text(obj: WorkOrder) -> str:
        return obj.appeal.text

    @staticmethod
    def resolve_lead_department_name(obj: WorkOrder) -> str:
        return obj.lead_department.name

    @staticmethod
    def resolve_status_label(obj: WorkOrder) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_category_code(obj: WorkOrder) -> str | None:
        return obj.category.code if obj.category_id and obj.category else None

    @staticmethod
    def resolve_sla(obj: WorkOrder) -> dict[str, Any]:
        from shuzheng.appeals.selectors.common import sla_info

        info = sla_info(obj.due_at, done_at=obj.replied_at)
        return {
            "state": info.state,
            "label": info.label,
            "due_at": info.due_at,
            "remaining_hours": info.remaining_hours,
        }


class WorkOrderPage(Schema):
    items: list[WorkOrderOut]
    next_cursor: str | None


class WorkOrderDetailOut(WorkOrderOut):
    events: list[EventOut] = Field(..., alias="events_list")
    appeal_ids: list[int]
    assists: list[dict[str, Any]] = Field(..., alias="assist_list")


class WorkOrderVersionIn(StrictIn):
    version: int | None = Field(None, description="工单版本（并发控制，过期则返回409）")


class ForwardIn(WorkOrderVersionIn):
    department_id: int
    note: str = ""


class ReturnIn(WorkOrderVersionIn):
    reason: str = ""
    suggested_department_id: int | None = None


class ReplyIn(WorkOrderVersionIn):
    reply_text: str


class VisitIn(WorkOrderVersionIn):
    result: VisitResult
    note: str = ""


class CloseIn(WorkOrderVersionIn):
    note: str = ""


class ReassignIn(WorkOrderVersionIn):
    department_id: int
    note: str = ""


class ExtensionIn(StrictIn):
    working_days: int
    reason: str = ""


class ReviewIn(StrictIn):
    approve: bool
    department_id: int | None = None
    note: str = ""


class ReturnRequestOut(Schema):
    id: int
    work_order_id: int
    department_id: int
    reason: str
    suggested_department_id: int | None
    status: str
    requested_at: datetime
    review_note: str
    reassigned_to_id: int | None


class ReturnRequestPage(Schema):
    items: list[ReturnRequestOut]
    next_cursor: str | None


class ExtensionOut(Schema):
    id: int
    work_order_id: int
    department_id: int
    working_days: int
    reason: str
    status: str
    requested_at: datetime
    old_due_at: datetime | None
    new_due_at: datetime | None


class ExtensionPage(Schema):
    items: list[ExtensionOut]
    next_cursor: str | None


class AssistOut(Schema):
    id: int
    work_order_id: int
    department_id: int
    status: str
    reply_text: str


class AssistPage(Schema):
    items: list[AssistOut]
    next_cursor: str | None


class AssistReplyIn(StrictIn):
    reply_text: str


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_code: str | None
    path: str
    sla_days: int | None

    @staticmethod
    def resolve_parent_code(obj: Any) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None


class RuleTestIn(StrictIn):
    text: str = Field(..., max_length=5000)
    category_code: str | None = None
    division_code: str | None = None
    channel: str = ""
    appeal_type: str = ""
    is_enterprise: bool = False


class RuleTestOut(Schema):
    rule_id: int | None
    rule_name: str | None
    department: str | None
    catalogue_department: str | None
    model_version: str | None
    model_department: str | None
    model_probability: float | None
    model_top: list[tuple[str, float]]
    model_category: str | None
    would_auto_dispatch: bool


class ArticleIn(StrictIn):
    question: str
    answer: str
    keywords: str = ""
    category_code: str | None = None
    department_id: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class ArticleUpdateIn(StrictIn):
    question: str
    answer: str
    keywords: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class ArticleReviewIn(StrictIn):
    approve: bool
    note: str = ""


class ArticleOut(Schema):
    id: int
    question: str
    answer: str
    keywords: str
    category_id: int | None
    department_id: int | None
    valid_from: date | None
    valid_to: date | None
    status: str
    version: int
    use_count: int


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class SimilarOut(Schema):
    id: int
    number: str
    text: str
    status: str
    received_at: datetime


class IntakeAssistOut(Schema):
    articles: list[ArticleOut]
    similar: list[SimilarOut]
    rule_name: str | None
    model_top: list[tuple[str, float]]


class ModelOut(Schema):
    id: int
    version: str
    trained_at: datetime
    sample_count: int
    test_count: int
    accuracy: float
    macro_f1: float
    category_accuracy: float | None
    baseline_accuracy: float | None
    baseline_macro_f1: float | None
    training_seconds: float
    is_active: bool


class DispatchPreviewIn(StrictIn):
    text: str = Field("", max_length=20000)
    town: str | None = Field(None, max_length=64, description="镇街名称或区划代码（可选）")
    appeal_type: AppealType | None = None


class DispatchCandidateOut(Schema):
    department_code: str
    department: str
    probability: float


class DispatchPreviewOut(Schema):
    department_code: str | None
    department: str | None
    probability: float
    automatic: bool
    reason: str
    top: list[DispatchCandidateOut]
    assisting: list[DispatchCandidateOut]
    model_version: str | None
