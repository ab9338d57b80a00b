"""Forms of the citizen portal (诉求反映): filing an appeal and looking one up by its number.

Parsing and labels only; ``services.appeal_validate`` decides what is valid (text length, category,
location inside the city, mobile number, USCC) and its Chinese messages land next to the fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.appeals.forms_common import (
    PhotosField,
    appeal_type_choices,
    category_choices,
    division_choices,
    photos_payload,
    publish_consent_field,
)
from shuzheng.core.forms import ServiceErrorsForm


class AppealForm(ServiceErrorsForm):
    appeal_type = forms.ChoiceField(
        label="诉求类型",
        choices=(),
        error_messages={"required": "请选择诉求类型", "invalid_choice": "请选择列表中的诉求类型"},
    )
    category_code = forms.CharField(
        label="问题分类",
        required=False,
        widget=forms.Select(),
        help_text="不清楚可以不选，由系统和工作人员判断",
    )
    title = forms.CharField(label="标题（可选）", required=False, help_text="一句话概括，100字以内")
    text = forms.CharField(
        label="诉求内容",
        required=False,  # the service names an empty or too long text in Chinese
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="请写清时间、地点、发生了什么和您的诉求，2000字以内",
    )
    division_code = forms.CharField(
        label="发生地点（镇街、村居）",
        widget=forms.Select(),
        error_messages={"required": "请选择问题发生地所在的镇街或村（社区）"},
    )
    address = forms.CharField(
        label="详细地址（可选）", required=False, help_text="如路名、门牌号、标志性建筑"
    )
    reporter_phone = forms.CharField(
        label="联系电话", required=False, help_text="11位手机号码，用于答复和回访"
    )
    is_anonymous = forms.BooleanField(
        label="不向承办部门公开我的姓名和电话（将无法电话回访）", required=False
    )
    publish_consent = publish_consent_field("我同意公开诉求内容")
    is_enterprise = forms.BooleanField(
        label="我是企业，反映企业经营中的问题（中小微企业快速响应）", required=False
    )
    enterprise_uscc = forms.CharField(
        label="统一社会信用代码", required=False, help_text="18位，企业诉求必填"
    )
    enterprise_name = forms.CharField(label="企业名称", required=False)
    photos = PhotosField(label="现场照片（可选）", help_text="最多6张，JPEG、PNG、WebP或GIF，每张不超过2MB")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appeal_type"].choices = [("", "请选择"), *appeal_type_choices()]  # type: ignore[attr-defined]
        self.fields["category_code"].widget.choices = category_choices()
        self.fields["division_code"].widget.choices = division_choices()

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "appeal_type": data["appeal_type"],
            "category_code": data.get("category_code") or None,
            "title": data.get("title") or "",
            "text": data.get("text") or "",
            "division_code": data["division_code"],
            "address": data.get("address") or "",
            "reporter_phone": data.get("reporter_phone") or "",
            "is_anonymous": bool(data.get("is_anonymous")),
            "publish_consent": bool(data.get("publish_consent")),
            "is_enterprise": bool(data.get("is_enterprise")),
            "enterprise_uscc": data.get("enterprise_uscc") or "",
            "enterprise_name": data.get("enterprise_name") or "",
        }

    def photos_for_service(self) -> list[tuple[str, bytes]]:
        return photos_payload(self.cleaned_data.get("photos") or [])


class TrackForm(forms.Form):
    number = forms.CharField(
        label="诉求编号",
        max_length=32,
        help_text="提交后页面上显示的编号，如 SQ20260101000001",
        error_messages={"required": "请输入诉求编号", "max_length": "诉求编号不超过32位"},
    )
