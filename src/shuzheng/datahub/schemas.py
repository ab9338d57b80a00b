"""API shapes of the data hub. Inputs forbid unknown fields; outputs are built from model rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from shuzheng.core.schemas import StrictIn
from shuzheng.datahub.models import (
    AccessLog,
    CatalogEntry,
    Classification,
    DataType,
    Grade,
    MaskingKind,
    Openness,
    ResourceFormat,
    Sensitivity,
    SharingRequest,
    SharingType,
    UpdateCycle,
)

# --- catalog -------------------------------------------------------------------------------------------


class DataItemIn(StrictIn):
    name: str = Field(..., max_length=63, description="字段名：小写字母开头，字母、数字、下划线")
    label: str = Field(..., max_length=64)
    data_type: DataType = DataType.STRING
    max_length: int = Field(0, ge=0, le=100000)
    description: str = Field("", max_length=255)
    required: bool = False
    is_key: bool = False
    is_personal: bool = False
    sensitivity: Sensitivity = Sensitivity.L1
    masking: MaskingKind = MaskingKind.NONE


class DataItemOut(Schema):
    name: str
    label: str
    data_type: str
    max_length: int
    description: str
    required: bool
    is_key: bool
    is_personal: bool
    sensitivity: str
    masking: str
    mounted: bool


class EntryIn(StrictIn):
    department_id: int | None = Field(None, description="提供部门，默认为本人所在部门")
    name: str = Field(..., max_length=128)
    class_code: str = Field(..., max_length=16, description="类-项-目-细目，如 B0102")
    classification: Classification = Classification.DEPARTMENT
    abstract: str = Field("", max_length=4000)
    format: ResourceFormat = ResourceFormat.TABLE
    sharing_type: SharingType = SharingType.CONDITIONAL
    sharing_conditions: str = Field("", max_length=2000)
    sharing_method: str = Field("接口", max_length=64)
    openness: Openness = Openness.CLOSED
    open_conditions: str = Field("", max_length=2000)
    update_cycle: UpdateCycle = UpdateCycle.MONTHLY
    grade: Grade = Grade.GENERAL
    related_ids: list[int] = Field(default_factory=list, max_length=50)
    items: list[DataItemIn] = Field(..., max_length=200)


class EntryPatch(StrictIn):
    name: str | None = Field(None, max_length=128)
    class_code: str | None = Field(None, max_length=16)
    classification: Classification | None = None
    abstract: str | None = Field(None, max_length=4000)
    format: ResourceFormat | None = None
    sharing_type: SharingType | None = None
    sharing_conditions: str | None = Field(None, max_length=2000)
    sharing_method: str | None = Field(None, max_length=64)
    openness: Openness | None = None
    open_conditions: str | None = Field(None, max_length=2000)
    update_cycle: UpdateCycle | None = None
    grade: Grade | None = None
    related_ids: list[int] | None = Field(None, max_length=50)
    items: list[DataItemIn] | None = Field(None, max_length=200)


class EntrySummaryOut(Schema):
    id: int
    code: str
    name: str
    classification: str
    class_code: str
    department_code: str
    department_name: str
    format: str
    sharing_type: str
    openness: str
    update_cycle: str
    grade: str
    status: str
    status_label: str
    mount_kind: str
    row_count: int
    published_on: date | None

    @staticmethod
    def resolve_department_code(obj: CatalogEntry) -> str:
        return obj.department.code

    @staticmethod
    def resolve_department_name(obj: CatalogEntry) -> str:
        return obj.department.name

    @staticmethod
    def resolve_status_label(obj: CatalogEntry) -> str:
        return obj.get_status_display()


class EntryOut(EntrySummaryOut):
    abstract: str
    sharing_conditions: str
    sharing_method: str
    open_conditions: str
    open_approved: bool
    review_comment: str
    api_url: str
    api_description: str
    last_loaded_at: datetime | None
    related_codes: list[str]
    items: list[DataItemOut]

    @staticmethod
    def resolve_related_codes(obj: CatalogEntry) -> list[str]:
        return [r.code for r in obj.related.all()]

    @staticmethod
    def resolve_items(obj: CatalogEntry) -> list[Any]:
        return list(obj.items.all())


class EntryPage(Schema):
    items: list[EntrySummaryOut]
    next_cursor: str | None


class EntryTransitionIn(StrictIn):
    action: str = Field(
        ..., description="submit 提交审核 / approve 审核通过 / reject 退回修改 / revise 撤回修订"
    )
    comment: str = Field("", max_length=500)


class MountIn(StrictIn):
    kind: str = Field(..., description="table（建表）或 api（登记外部接口）")
    url: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)


class RowsIn(StrictIn):
    rows: list[dict[str, Any]] = Field(..., max_length=5000)
    replace: bool = False


class RowPatch(StrictIn):
    values: dict[str, Any]


class LoadOut(Schema):
    inserted: int
    deleted: int
    row_count: int


class MountStatOut(Schema):
    department_id: int
    department_code: str
    department_name: str
    entries: int
    published: int
    mounted: int
    tables: int
    files: int
    apis: int
    rows: int


# --- sharing -------------------------------------------------------------------------------------------


class SharingRequestIn(StrictIn):
    entry_id: int
    purpose: str = Field(..., max_length=500)
    legal_basis: str = Field(..., max_length=500)
    fields: list[str] = Field(..., max_length=200)
    period_start: date
    period_end: date


class ApproveIn(StrictIn):
    fields: list[str] | None = Field(None, max_length=200, description="同意的字段，默认全部申请字段")
    allow_clear_text: bool = False
    period_end: date | None = None


class RefuseIn(StrictIn):
    reason: str = Field(..., max_length=500)


class SharingRequestOut(Schema):
    id: int
    entry_id: int
    entry_code: str
    entry_name: str
    requester_department: str
    provider_department: str
    purpose: str
    legal_basis: str
    fields: list[str]
    period_start: date
    period_end: date
    status: str
    status_label: str
    auto_granted: bool
    due_on: date
    timed_out: bool
    expired: bool = Field(..., description="已同意但使用期限已过")
    decided_at: datetime | None
    approved_fields: list[str]
    refusal_reason: str
    grant_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_entry_code(obj: SharingRequest) -> str:
        return obj.entry.code

    @staticmethod
    def resolve_entry_name(obj: SharingRequest) -> str:
        return obj.entry.name

    @staticmethod
    def resolve_requester_department(obj: SharingRequest) -> str:
        return obj.requester_department.name

    @staticmethod
    def resolve_provider_department(obj: SharingRequest) -> str:
        return obj.provider_department.name

    @staticmethod
    def resolve_status_label(obj: SharingRequest) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_timed_out(obj: SharingRequest) -> bool:
        from shuzheng.datahub.selectors.sharing import is_timed_out

        return is_timed_out(obj)

    @staticmethod
    def resolve_expired(obj: SharingRequest) -> bool:
        from django.utils import timezone

        return obj.status == SharingRequest.Status.APPROVED and obj.period_end < timezone.localdate()

    @staticmethod
    def resolve_grant_id(obj: SharingRequest) -> int | None:
        grant = getattr(obj, "grant", None)
        return grant.pk if grant is not None else None


class SharingRequestPage(Schema):
    items: list[SharingRequestOut]
    next_cursor: str | None


class GrantOut(Schema):
    id: int
    entry_code: str
    department_code: str
    fields: list[str]
    purpose: str
    allow_clear_text: bool
    valid_from: date
    valid_until: date
    revoked_at: datetime | None

    @staticmethod
    def resolve_entry_code(obj: Any) -> str:
        return str(obj.entry.code)

    @staticmethod
    def resolve_department_code(obj: Any) -> str:
        return str(obj.department.code)


class GrantPage(Schema):
    items: list[GrantOut]
    next_cursor: str | None


class CredentialIn(StrictIn):
    label: str = Field("", max_length=64)
    rate_limit_per_minute: int | None = Field(None, ge=1, le=100000)


class CredentialOut(Schema):
    id: int
    client_id: str
    label: str
    rate_limit_per_minute: int
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedCredentialOut(CredentialOut):
    secret: str = Field(..., description="只显示这一次；平台仅保存其摘要")
    authorization: str = Field(..., description="调用数据服务时的请求头值")


class IndicatorOut(Schema):
    total: int
    satisfied: int
    refused: int
    pending: int
    timed_out: int
    rate: float | None
    target: float


# --- access logs -------------------------------------------------------------------------------------


class AccessLogOut(Schema):
    id: int
    at: datetime
    entry_code: str
    department: str | None
    client_id: str | None
    user_id: int | None
    channel: str
    fields: list[str]
    purpose: str
    filters: dict[str, Any]
    rows_returned: int
    masked: bool
    person: str | None = Field(None, description="访问者：本人，或凭证的申领人")
    refusal: str = Field("", description="被拒绝的调用（403）的原因；成功的访问为空")

    @staticmethod
    def resolve_entry_code(obj: AccessLog) -> str:
        return obj.entry.code

    @staticmethod
    def resolve_person(obj: AccessLog) -> str | None:
        person = getattr(obj, "person", None) or obj.user
        return (person.full_name or person.username) if person is not None else None

    @staticmethod
    def resolve_department(obj: AccessLog) -> str | None:
        return obj.department.name if obj.department_id and obj.department else None

    @staticmethod
    def resolve_client_id(obj: AccessLog) -> str | None:
        return obj.credential.client_id if obj.credential_id and obj.credential else None


class AccessLogPage(Schema):
    items: list[AccessLogOut]
    next_cursor: str | None


class PersonLookupIn(StrictIn):
    id_number: str = Field(..., max_length=18)
    cursor: str | None = None


class DataPageOut(Schema):
    entry: str
    fields: list[str]
    masked_fields: list[str]
    items: list[dict[str, Any]]
    next_cursor: str | None


# --- quality -------------------------------------------------------------------------------------------


class QualityRuleIn(StrictIn):
    entry_id: int
    item: str | None = Field(None, max_length=63, description="信息项字段名（表级规则可省略）")
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    name: str = Field("", max_length=128)


class QualityRuleOut(Schema):
    id: int
    entry_id: int
    name: str
    dimension: str
    kind: str
    params: dict[str, Any]
    is_active: bool


class QualityRunIn(StrictIn):
    entry_ids: list[int] | None = Field(None, max_length=1000)


class QualityResultOut(Schema):
    rule_id: int | None
    entry_id: int
    dimension: str
    checked: int
    failed: int
    sample: list[int]
    error: str
    duration_ms: int


class QualityRunOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    rule_count: int
    scores: dict[str, Any]
    results: list[QualityResultOut]

    @staticmethod
    def resolve_results(obj: Any) -> list[Any]:
        return list(obj.results.all())


# --- open data -----------------------------------------------------------------------------------------


class OpenDatasetPublishIn(StrictIn):
    name: str = Field("", max_length=100)
    title: str = Field("", max_length=200)
    notes: str = Field("", max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=30)
    topics: list[str] = Field(default_factory=list, max_length=20)
    license_id: str = Field("cc-by-4.0", max_length=64)


class OpenDatasetOut(Schema):
    id: int
    name: str
    title: str
    notes: str
    department_code: str
    license_id: str
    state: str
    tags: list[str]
    topics: list[str]
    formats: list[str]
    download_count: int

    @staticmethod
    def resolve_department_code(obj: Any) -> str:
        return str(obj.department.code)

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_topics(obj: Any) -> list[str]:
        return [t.name for t in obj.topics.all()]

    @staticmethod
    def resolve_formats(obj: Any) -> list[str]:
        return [r.format for r in obj.resources.all()]
