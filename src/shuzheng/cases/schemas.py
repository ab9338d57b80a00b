"""API shapes of the cases context. Inputs forbid unknown fields; outputs are built by api.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from shuzheng.cases.constants import ApplicantKind, CaseChannel, DeliveryMethod, SuspensionKind
from shuzheng.cases.workflow import CaseAction
from shuzheng.core.schemas import StrictIn


class ApplicantIn(StrictIn):
    kind: ApplicantKind = Field(..., description="person 自然人 / enterprise 法人")
    name: str = Field(..., max_length=128, description="姓名或单位名称")
    id_number: str = Field("", max_length=32, description="居民身份证号码（自然人必填；法人可填经办人）")
    uscc: str = Field("", max_length=32, description="统一社会信用代码（法人必填）")
    mobile: str = Field("", max_length=20)


class CaseMaterialIn(StrictIn):
    code: str = Field("", max_length=32, description="材料编码（事项的申请材料）")
    upload_id: int | None = Field(None, description="POST /cases/uploads 返回的文件 id")
    licence_reference: str = Field("", max_length=100, description="电子证照编号（免提交的政府核发材料）")
    checked_on_paper: bool = Field(False, description="窗口已核验纸质原件（仅工作人员）")
    deferred: bool = Field(False, description="申请容缺，受理后补交（仅非核心材料）")


class CaseSubmitIn(StrictIn):
    item_code: str = Field(..., max_length=64, description="事项实施编码")
    channel: CaseChannel = CaseChannel.PORTAL
    form_data: dict[str, Any] = Field(default_factory=dict, description="按事项申请表（JSON Schema）填写")
    materials: list[CaseMaterialIn] = Field(default_factory=list, max_length=100)
    applicant: ApplicantIn | None = Field(None, description="代为申请时的申请人（一窗受理、协助自助终端）")
    hall_id: int | None = None
    window_id: int | None = None
    kiosk_id: int | None = None
    target_region: str | None = Field(None, max_length=12, description="跨省通办代收：目标地区行政区划代码")


class CorrectionItemIn(StrictIn):
    target: str = Field(..., max_length=200, description="需补正的材料或事项")
    reason: str = Field(..., max_length=500, description="补正原因或要求")


class CaseTransitionIn(StrictIn):
    """One workflow action; only the fields the action uses may be sent (see the action list)."""

    action: CaseAction
    expected_version: int = Field(..., description="办件的 lock_version；已被他人更新时返回 409")
    note: str | None = Field(None, max_length=2000)
    reasons: str | None = Field(None, max_length=2000, description="reject / approve / refuse 的理由")
    legal_basis: str | None = Field(None, max_length=2000, description="refuse 必填")
    items: list[CorrectionItemIn] | None = Field(
        None, max_length=50, description="request_correction 的补正清单"
    )
    respond_days: int | None = Field(None, description="request_correction：补正期限（工作日，默认5）")
    deferred: list[str] | None = Field(None, max_length=50, description="accept_with_deferral：容缺材料编码")
    deferred_due: date | None = Field(None, description="accept_with_deferral：补交期限")
    kind: SuspensionKind | None = Field(None, description="suspend：听证 / 现场勘验 / 专家评审")
    reason: str | None = Field(None, max_length=2000, description="suspend / withdraw 的原因")
    method: DeliveryMethod | None = Field(None, description="deliver：送达方式")
    result_upload_id: int | None = Field(None, description="deliver：办理结果文件（先上传）")


class CorrectionResponseIn(StrictIn):
    expected_version: int
    note: str = Field("", max_length=2000)
    materials: list[CaseMaterialIn] = Field(default_factory=list, max_length=100)


class WithdrawIn(StrictIn):
    expected_version: int
    reason: str = Field("", max_length=2000)


class CaseVersionIn(StrictIn):
    expected_version: int


class RemoteReferenceIn(StrictIn):
    expected_version: int
    reference: str = Field(..., max_length=64)


class MaterialsAddIn(StrictIn):
    materials: list[CaseMaterialIn] = Field(..., min_length=1, max_length=100)


class UploadOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    pages: int | None
    sm3: str


class NamedRef(Schema):
    id: int
    name: str


class CaseOut(Schema):
    id: int
    number: str
    item_code: str
    item_name: str
    version_id: int
    department: NamedRef
    division_code: str
    channel: str
    channel_label: str
    status: str
    status_label: str
    deadline_state: str
    deadline_state_label: str
    received_at: datetime
    accepted_at: datetime | None
    due_at: datetime | None
    concluded_at: datetime | None
    current_step: str | None
    acting_user: str | None
    applicant_kind: str
    applicant_name: str
    lock_version: int


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseMaterialOut(Schema):
    id: int
    code: str | None
    name: str
    content_type: str
    size: int
    pages: int | None
    sm3: str
    has_file: bool
    licence_reference: str
    checked_on_paper: bool
    deferred: bool
    deferred_due: date | None
    supplied_at: datetime | None
    created_at: datetime


class CorrectionOut(Schema):
    id: int
    items: list[dict[str, Any]]
    requested_at: datetime
    respond_by: date
    responded_at: datetime | None
    response_note: str


class SuspensionOut(Schema):
    id: int
    kind: str
    kind_label: str
    reason: str
    started_at: datetime
    ended_at: datetime | None
    working_days: int


class CaseDetailOut(CaseOut):
    applicant_id_number: str
    applicant_uscc: str
    applicant_mobile: str
    form_data: dict[str, Any]
    hall: str | None
    window: str | None
    kiosk: str | None
    target_region: str
    target_region_name: str
    remote_reference: str
    clock_start: date | None
    paused_working_days: int
    remaining_working_days: int | None
    promised_limit_days: int
    decision: str
    decision_reasons: str
    decision_legal_basis: str
    decided_at: datetime | None
    delivery_method: str
    delivered_at: datetime | None
    has_result: bool
    actions: list[str] = Field(description="当前用户在当前状态下可尝试的操作")
    materials: list[CaseMaterialOut]
    corrections: list[CorrectionOut]
    suspensions: list[SuspensionOut]


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    actor: str
    note: str
    data: dict[str, Any]
