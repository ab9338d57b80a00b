"""Forms of the catalog workbench: parsing, labels and accessibility only — the rules (what a publishable
version is, who may edit what) live in catalog.rules and the services."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms

from shuzheng.catalog.constants import (
    STEP_ROLES,
    ApplicantType,
    ApplyChannel,
    Exemption,
    HandlingMode,
    ItemLevel,
    ItemType,
)
from shuzheng.catalog.models import GuideGroup, ServiceItemVersion
from shuzheng.catalog.services.cleaning import VersionFields
from shuzheng.core.forms import ServiceErrorsForm


class JSONTextField(forms.CharField):
    """A textarea holding JSON; cleans to the parsed value."""

    def __init__(self, *, expect: type, **kwargs: Any) -> None:
        self.expect = expect
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return self.expect()
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"不是有效的 JSON：{exc}") from exc
        if not isinstance(parsed, self.expect):
            kind = "数组（[...]）" if self.expect is list else "对象（{...}）"
            raise forms.ValidationError(f"应为 JSON {kind}。")
        return parsed


def _checkboxes(choices: Any, label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, required=False, choices=choices.choices, widget=forms.CheckboxSelectMultiple
    )


class VersionForm(ServiceErrorsForm):
    """The fields of a draft. Lists of materials and steps are JSON arrays (replaced whole on save)."""

    field_map = {"department": "department_code"}

    name = forms.CharField(label="事项名称", max_length=200)
    item_type = forms.ChoiceField(label="事项类型", choices=ItemType.choices)
    department_code = forms.ChoiceField(label="实施部门", choices=[])
    level = forms.ChoiceField(label="实施层级", choices=ItemLevel.choices)
    applicant_types = _checkboxes(ApplicantType, "服务对象")
    statutory_limit_days = forms.IntegerField(label="法定办结时限（工作日）", min_value=0, max_value=3650)
    promised_limit_days = forms.IntegerField(label="承诺办结时限（工作日）", min_value=0, max_value=3650)
    onsite_visits = forms.TypedChoiceField(
        label="到现场次数", coerce=int, choices=[(0, "0次（全程网办）"), (1, "1次"), (2, "多次")]
    )
    handling_modes = _checkboxes(HandlingMode, "四办类型")
    channels = _checkboxes(ApplyChannel, "可申请渠道")
    exemptions = _checkboxes(Exemption, "四免")
    comprehensive_window = forms.BooleanField(label="纳入综合窗口（一窗受理）", required=False)
    cross_region = forms.BooleanField(label="跨省通办", required=False)
    high_frequency = forms.BooleanField(label="高频事项", required=False)
    is_free = forms.BooleanField(label="不收费", required=False)
    fee_rules = forms.CharField(
        label="收费标准及依据", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    legal_basis = forms.CharField(label="设定依据", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    conditions = forms.CharField(label="受理条件", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    keywords = forms.CharField(label="搜索关键词", required=False, max_length=255, help_text="以空格分隔")
    guide_groups = forms.MultipleChoiceField(
        label="主题分类", required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    materials = JSONTextField(
        label="申请材料（JSON 数组）",
        expect=list,
        help_text='每项如 {"code": "M01", "name": "身份证", "form": "original", '
        '"issued_by_government": true, "licence_type": "居民身份证"}',
    )
    steps = JSONTextField(
        label="办理环节（JSON 数组）",
        expect=list,
        help_text='每项如 {"name": "审查", "role_code": "审查人员", "time_limit_days": 3}；'
        f"办理角色填{'、'.join(STEP_ROLES.values())}之一，时限为工作日数",
    )
    form_schema = JSONTextField(
        label="申请表（JSON Schema）",
        expect=dict,
        help_text="JSON Schema draft 2020-12 或 draft-07，type 为 object",
    )

    def __init__(self, *args: Any, departments: list[Any], groups: list[GuideGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department_field: Any = self.fields["department_code"]
        department_field.choices = [(d.code, d.name) for d in departments]
        groups_field: Any = self.fields["guide_groups"]
        groups_field.choices = [(g.code, g.name) for g in groups]

    @staticmethod
    def initial_for(version: ServiceItemVersion) -> dict[str, Any]:
        return {
            "name": version.name,
            "item_type": version.item_type,
            "department_code": version.department.code,
            "level": version.level,
            "applicant_types": version.applicant_types,
            "statutory_limit_days": version.statutory_limit_days,
            "promised_limit_days": version.promised_limit_days,
            "onsite_visits": version.onsite_visits,
            "handling_modes": version.handling_modes,
            "channels": version.channels,
            "exemptions": version.exemptions,
            "comprehensive_window": version.comprehensive_window,
            "cross_region": version.cross_region,
            "high_frequency": version.high_frequency,
            "is_free": version.is_free,
            "fee_rules": version.fee_rules,
            "legal_basis": version.legal_basis,
            "conditions": version.conditions,
            "keywords": version.keywords,
            "guide_groups": [g.code for g in version.guide_groups.all()],
            "materials": [
                {
                    "code": m.code,
                    "name": m.name,
                    "need": m.need,
                    "condition": m.condition,
                    "form": m.form,
                    "copies": m.copies,
                    "pages": m.pages,
                    "is_key": m.is_key,
                    "issued_by_government": m.issued_by_government,
                    "licence_type": m.licence_type,
                }
                for m in version.materials.all()
            ],
            "steps": [
                {
                    "name": s.name,
                    "role_code": STEP_ROLES.get(s.role_code, s.role_code),
                    "department_code": s.department.code if s.department_id and s.department else None,
                    "time_limit_days": s.time_limit_days,
                }
                for s in version.steps.all()
            ],
            "form_schema": version.form_schema,
        }

    def clean_steps(self) -> Any:
        """Steps name their role in Chinese here (审查人员); the service stores the role's code."""
        codes = {label: code for code, label in STEP_ROLES.items()}
        steps = self.cleaned_data["steps"]
        for step in steps:
            if isinstance(step, dict) and step.get("role_code") in codes:
                step["role_code"] = codes[step["role_code"]]
        return steps

    def service_fields(self) -> VersionFields:
        data = dict(self.cleaned_data)
        data["department"] = data.pop("department_code")
        return cast(VersionFields, data)


class ItemCreateForm(ServiceErrorsForm):
    field_map = {"department": "department_code"}

    code = forms.CharField(label="实施编码", max_length=64, help_text="字母、数字和 - _ .")
    name = forms.CharField(label="事项名称", max_length=200)
    item_type = forms.ChoiceField(label="事项类型", choices=ItemType.choices)
    department_code = forms.ChoiceField(label="实施部门", choices=[])
    level = forms.ChoiceField(label="实施层级", choices=ItemLevel.choices)
    statutory_limit_days = forms.IntegerField(label="法定办结时限（工作日）", min_value=0, max_value=3650)
    promised_limit_days = forms.IntegerField(label="承诺办结时限（工作日）", min_value=0, max_value=3650)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department_field: Any = self.fields["department_code"]
        department_field.choices = [(d.code, d.name) for d in departments]

    def service_fields(self) -> VersionFields:
        data = dict(self.cleaned_data)
        data["department"] = data.pop("department_code")
        data.pop("code")
        return cast(VersionFields, data)


class ImportForm(forms.Form):
    file = forms.FileField(label="实施清单文件（.xlsx）", error_messages={"required": "请选择要导入的文件。"})
    publish = forms.BooleanField(label="导入后立即发布", required=False)
