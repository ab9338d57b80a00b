"""API shapes of the catalog. Inputs forbid unknown fields; outputs are built from model rows."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from shuzheng.catalog.constants import (
    STEP_ROLES,
    ApplicantType,
    ApplyChannel,
    Exemption,
    HandlingMode,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialNeed,
)
from shuzheng.catalog.models import (
    GuideGroup,
    MaterialRequirement,
    ServiceItem,
    ServiceItemVersion,
    WorkflowStep,
)
from shuzheng.core.schemas import StrictIn


def _labels(choices: Any, values: list[str]) -> list[str]:
    names = dict(choices.choices)
    return [str(names.get(v, v)) for v in values]


# --- outputs --------------------------------------------------------------------------------------


class GuideGroupOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    audience: str
    live_count: int | None = None

    @staticmethod
    def resolve_kind_label(obj: GuideGroup) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_live_count(obj: GuideGroup) -> int | None:
        return getattr(obj, "live_count", None)


class DepartmentGuidesOut(Schema):
    code: str
    name: str
    count: int


class MaterialOut(Schema):
    code: str
    name: str
    need: str
    need_label: str
    condition: str
    form: str
    form_label: str
    copies: int
    pages: int | None
    is_key: bool
    issued_by_government: bool
    licence_type: str
    exempt: bool = Field(description="政府部门核发且已知电子证照类型：免提交")

    @staticmethod
    def resolve_need_label(obj: MaterialRequirement) -> str:
        return obj.get_need_display()

    @staticmethod
    def resolve_form_label(obj: MaterialRequirement) -> str:
        return obj.get_form_display()


class StepOut(Schema):
    position: int
    name: str
    role_code: str
    role_label: str
    department_code: str | None
    department_name: str | None
    time_limit_days: int

    @staticmethod
    def resolve_role_label(obj: WorkflowStep) -> str:
        return STEP_ROLES.get(obj.role_code, obj.role_code)

    @staticmethod
    def resolve_department_code(obj: WorkflowStep) -> str | None:
        return obj.department.code if obj.department_id and obj.department else None

    @staticmethod
    def resolve_department_name(obj: WorkflowStep) -> str | None:
        return obj.department.name if obj.department_id and obj.department else None


class GuideSummaryOut(Schema):
    code: str
    name: str
    item_type: str
    item_type_label: str
    level: str
    level_label: str
    department_code: str
    department_name: str
    applicant_types: list[str]
    statutory_limit_days: int
    promised_limit_days: int
    onsite_visits: int
    at_most_one_visit: bool = Field(description="最多跑一次（到现场不超过一次）")
    handling_modes: list[str]
    handling_mode_labels: list[str]
    high_frequency: bool
    cross_region: bool
    exemptions_complete: bool = Field(description="四免全部实现")

    @staticmethod
    def resolve_item_type_label(obj: ServiceItemVersion) -> str:
        return obj.get_item_type_display()

    @staticmethod
    def resolve_level_label(obj: ServiceItemVersion) -> str:
        return obj.get_level_display()

    @staticmethod
    def resolve_department_code(obj: ServiceItemVersion) -> str:
        return obj.department.code

    @staticmethod
    def resolve_department_name(obj: ServiceItemVersion) -> str:
        return obj.department.name

    @staticmethod
    def resolve_handling_mode_labels(obj: ServiceItemVersion) -> list[str]:
        return _labels(HandlingMode, obj.handling_modes)


class GuidePage(Schema):
    items: list[GuideSummaryOut]
    next_cursor: str | None


class GuideOut(GuideSummaryOut):
    number: int
    valid_from: datetime.date | None
    legal_basis: str
    conditions: str
    is_free: bool
    fee_rules: str
    comprehensive_window: bool
    channels: list[str]
    channel_labels: list[str]
    exemptions: list[str]
    exemption_labels: list[str]
    form_schema: dict[str, Any]
    keywords: str
    materials: list[MaterialOut]
    steps: list[StepOut]
    guide_groups: list[GuideGroupOut]

    @staticmethod
    def resolve_channel_labels(obj: ServiceItemVersion) -> list[str]:
        return _labels(ApplyChannel, obj.channels)

    @staticmethod
    def resolve_exemption_labels(obj: ServiceItemVersion) -> list[str]:
        return _labels(Exemption, obj.exemptions)

    @staticmethod
    def resolve_materials(obj: ServiceItemVersion) -> list[MaterialRequirement]:
        return list(obj.materials.all())

    @staticmethod
    def resolve_steps(obj: ServiceItemVersion) -> list[WorkflowStep]:
        return list(obj.steps.all())

    @staticmethod
    def resolve_guide_groups(obj: ServiceItemVersion) -> list[GuideGroup]:
        return list(obj.guide_groups.all())


class VersionOut(GuideOut):
    id: int
    item_code: str
    status: str
    status_label: str
    valid_to: datetime.date | None
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_item_code(obj: ServiceItemVersion) -> str:
        return obj.code

    @staticmethod
    def resolve_status_label(obj: ServiceItemVersion) -> str:
        return obj.get_status_display()


class VersionSummaryOut(Schema):
    id: int
    number: int
    status: str
    status_label: str
    name: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_status_label(obj: ServiceItemVersion) -> str:
        return obj.get_status_display()


class ItemOut(Schema):
    code: str
    title: str
    department_code: str
    department_name: str
    live_version_id: int | None
    live_version_number: int | None
    draft_id: int | None

    @staticmethod
    def resolve_title(obj: ServiceItem) -> str:
        return str(getattr(obj, "title", "") or obj.code)

    @staticmethod
    def resolve_department_code(obj: ServiceItem) -> str:
        return obj.department.code

    @staticmethod
    def resolve_department_name(obj: ServiceItem) -> str:
        return obj.department.name

    @staticmethod
    def resolve_live_version_number(obj: ServiceItem) -> int | None:
        return obj.live_version.number if obj.live_version_id and obj.live_version else None

    @staticmethod
    def resolve_draft_id(obj: ServiceItem) -> int | None:
        return getattr(obj, "draft_id", None)


class ItemPage(Schema):
    items: list[ItemOut]
    next_cursor: str | None


class ItemImportRowErrorOut(Schema):
    sheet: str
    row: int
    field: str
    message: str


class ItemImportReportOut(Schema):
    created: int
    updated: int
    unchanged: int
    published: int
    errors: list[ItemImportRowErrorOut]


# --- inputs ---------------------------------------------------------------------------------------


class MaterialIn(StrictIn):
    code: str = Field("", max_length=32, description="材料编码；为空时按序号生成")
    name: str = Field(..., min_length=1, max_length=200)
    need: MaterialNeed = MaterialNeed.REQUIRED
    condition: str = Field("", max_length=255)
    form: MaterialForm = MaterialForm.ORIGINAL
    copies: int = Field(1, ge=1, le=99)
    pages: int | None = Field(None, ge=0, le=32767)
    is_key: bool = True
    issued_by_government: bool = False
    licence_type: str = Field("", max_length=64)


class StepIn(StrictIn):
    name: str = Field(..., min_length=1, max_length=64)
    role_code: str = Field("", max_length=64, description="办理角色编码，如 case_reviewer")
    department_code: str | None = Field(None, max_length=32, description="为空时由实施部门办理")
    time_limit_days: int = Field(..., ge=0, le=3650)


class VersionPatch(StrictIn):
    """Every field optional: only those sent change. Lists (materials, steps, guide_groups) are replaced
    whole."""

    name: str | None = Field(None, max_length=200)
    item_type: ItemType | None = None
    department_code: str | None = Field(None, max_length=32)
    level: ItemLevel | None = None
    legal_basis: str | None = None
    conditions: str | None = None
    applicant_types: list[ApplicantType] | None = None
    statutory_limit_days: int | None = Field(None, ge=0, le=3650)
    promised_limit_days: int | None = Field(None, ge=0, le=3650)
    is_free: bool | None = None
    fee_rules: str | None = None
    onsite_visits: int | None = Field(None, ge=0, le=2, description="0、1，或 2 表示多次")
    handling_modes: list[HandlingMode] | None = None
    comprehensive_window: bool | None = None
    channels: list[ApplyChannel] | None = None
    cross_region: bool | None = None
    exemptions: list[Exemption] | None = None
    high_frequency: bool | None = None
    form_schema: dict[str, Any] | None = None
    keywords: str | None = Field(None, max_length=255)
    materials: list[MaterialIn] | None = None
    steps: list[StepIn] | None = None
    guide_groups: list[str] | None = Field(None, description="主题分类编码")


class ItemIn(VersionPatch):
    code: str = Field(..., min_length=1, max_length=64, description="实施编码")
    name: str = Field(..., min_length=1, max_length=200)
    item_type: ItemType
    department_code: str = Field(..., min_length=1, max_length=32)
    level: ItemLevel
    statutory_limit_days: int = Field(..., ge=0, le=3650)
    promised_limit_days: int = Field(..., ge=0, le=3650)


class PublishIn(StrictIn):
    valid_from: datetime.date | None = Field(None, description="生效日期，默认今天")
