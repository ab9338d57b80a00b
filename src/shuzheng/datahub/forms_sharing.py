"""Forms of the data-hub workbench's sharing pages (request, approve, refuse, filter, credential) and the
per-person access-log lookup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from shuzheng.core import errors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.core.validators import validate_id_number
from shuzheng.datahub.forms_catalog import choice_error
from shuzheng.datahub.models import (
    SharingRequest,
)

# --- sharing -------------------------------------------------------------------------------------------


def _item_choices(entry: Any, only: list[str] | None = None) -> list[tuple[str, str]]:
    result = []
    for item in entry.items.all():
        if only is not None and item.name not in only:
            continue
        flags = "（个人信息）" if item.is_personal else ""
        result.append((item.name, f"{item.label}{flags}"))
    return result


class SharingRequestForm(ServiceErrorsForm):
    field_map = {"fields": "wanted"}
    purpose = forms.CharField(
        label="用途",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写用途。", "max_length": "用途不能超过500个字。"},
    )
    legal_basis = forms.CharField(
        label="依据",
        max_length=500,
        help_text="法律法规或职责文件",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "请填写依据（法律法规或职责文件）。",
            "max_length": "依据不能超过500个字。",
        },
    )
    wanted = forms.MultipleChoiceField(
        label="申请字段",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "请选择申请的字段。",
            "invalid_choice": "字段“%(value)s”不是该资源的信息项。",
        },
    )
    period_start = forms.DateField(
        label="使用开始日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写使用开始日期。", "invalid": "使用开始日期格式应为 YYYY-MM-DD。"},
    )
    period_end = forms.DateField(
        label="使用截止日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写使用截止日期。", "invalid": "使用截止日期格式应为 YYYY-MM-DD。"},
    )

    def __init__(self, *args: Any, entry: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"period_start": today, "period_end": today + timedelta(days=365)})
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = _item_choices(entry)  # type: ignore[attr-defined]

    def request_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "legal_basis": data["legal_basis"],
            "fields": data["wanted"],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
        }


class ApproveForm(ServiceErrorsForm):
    field_map = {"fields": "granted"}
    granted = forms.MultipleChoiceField(
        label="同意的字段",
        widget=forms.CheckboxSelectMultiple,
        help_text="可以少于申请的字段",
        error_messages={
            "required": "至少同意一个字段；不同意请拒绝申请。",
            "invalid_choice": "不能同意未申请的字段“%(value)s”。",
        },
    )
    period_end = forms.DateField(
        label="使用截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="留空为申请的截止日期；只能缩短",
        error_messages={"invalid": "使用截止日期格式应为 YYYY-MM-DD。"},
    )
    allow_clear_text = forms.BooleanField(
        label="允许明文（个人信息字段不脱敏）", required=False, help_text="仅在依据明确要求时勾选"
    )

    def __init__(self, *args: Any, request: SharingRequest, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"granted": list(request.fields)})
        super().__init__(*args, **kwargs)
        self.fields["granted"].choices = _item_choices(request.entry, only=list(request.fields))  # type: ignore[attr-defined]


class RefuseForm(ServiceErrorsForm):
    field_map = {"reason": "reason"}
    reason = forms.CharField(
        label="拒绝理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "拒绝须说明理由。", "max_length": "理由不能超过500个字。"},
    )


class RequestFilterForm(forms.Form):
    role = forms.ChoiceField(
        label="范围",
        required=False,
        choices=[("", "全部"), ("received", "待我部门审批（收到的）"), ("requested", "本部门提出的")],
        error_messages=choice_error("范围"),
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), *SharingRequest.Status.choices],
        error_messages=choice_error("状态"),
    )
    timed_out = forms.ChoiceField(
        label="超时",
        required=False,
        choices=[("", "不限"), ("1", "已超时"), ("0", "未超时")],
        error_messages=choice_error("超时"),
    )


class CredentialForm(ServiceErrorsForm):
    label = forms.CharField(label="凭证名称", required=False, max_length=64, help_text="如：低保核查系统")
    rate_limit_per_minute = forms.IntegerField(
        label="每分钟调用上限",
        min_value=1,
        max_value=100000,
        initial=60,
        error_messages={
            "required": "请填写每分钟调用上限。",
            "invalid": "每分钟调用上限应为整数。",
            "min_value": "每分钟调用上限应在 1 到 100000 之间。",
            "max_value": "每分钟调用上限应在 1 到 100000 之间。",
        },
    )


# --- access logs ---------------------------------------------------------------------------------------


class PersonLookupForm(forms.Form):
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=32,
        strip=True,
        help_text="18 位身份证号；查询本身也会记入审计",
        error_messages={"required": "请输入公民身份号码。", "max_length": "公民身份号码格式不正确。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    def clean_id_number(self) -> str:
        try:
            return validate_id_number(self.cleaned_data["id_number"], field="id_number")
        except errors.ValidationFailed as error:
            raise forms.ValidationError(error.detail) from None
