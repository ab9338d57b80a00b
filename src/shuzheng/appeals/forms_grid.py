"""Forms of the grid worker's pages (网格事件上报、自行处置) and of the routing-rule test page.

Parsing and labels only: the intake service decides what is valid (text, category, place inside the
city, grid inside the place, coordinates inside the city's box) and names each bad field in Chinese.
"""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.appeals.forms_common import (
    PhotosField,
    appeal_type_choices,
    category_choices,
    channel_choices,
    division_choices,
    photos_payload,
    publish_consent_field,
    urgency_choices,
)
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.appeals.selectors import grid as grid_selectors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.orgs import selectors as orgs_selectors

MAX_EXAMPLE = 2000


class GridReportForm(ServiceErrorsForm):
    appeal_type = forms.ChoiceField(
        label="事件类型",
        choices=(),
        initial="help",
        error_messages={"required": "请选择事件类型", "invalid_choice": "请选择列表中的事件类型"},
    )
    category_code = forms.CharField(label="事件分类", required=False, widget=forms.Select())
    text = forms.CharField(
        label="事件描述",
        required=False,  # empty or too long: the service's Chinese message
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="写清发现了什么、影响范围，2000字以内",
    )
    division_code = forms.CharField(
        label="所在村（社区）",
        widget=forms.Select(),
        error_messages={"required": "请选择事件所在的镇街或村（社区）"},
    )
    grid_code = forms.CharField(
        label="网格", required=False, widget=forms.Select(), help_text="不选则为本人所在网格"
    )
    address = forms.CharField(label="具体位置", required=False, help_text="如路名、门牌号、标志物")
    latitude = forms.CharField(label="纬度（可选）", required=False)
    longitude = forms.CharField(label="经度（可选）", required=False)
    urgency = forms.ChoiceField(label="紧急程度", choices=(), initial="normal")
    photos = PhotosField(label="现场照片", required=True, help_text="至少1张，最多6张")
    publish_consent = publish_consent_field("同意公开事件内容")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appeal_type"].choices = appeal_type_choices(exclude=("praise",))  # type: ignore[attr-defined]
        self.fields["urgency"].choices = urgency_choices()  # type: ignore[attr-defined]
        self.fields["category_code"].widget.choices = category_choices(blank="请选择（不清楚可不选）")
        self.fields["division_code"].widget.choices = division_choices()
        grids = grid_selectors.grid_choices(user=user)
        self.fields["grid_code"].widget.choices = [
            ("", "本人所在网格"),
            *((g.code, f"{g.division.name} · {g.name}") for g in grids),
        ]

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "appeal_type": data["appeal_type"],
            "category_code": data.get("category_code") or None,
            "text": data.get("text") or "",
            "division_code": data["division_code"],
            "grid_code": data.get("grid_code") or None,
            "address": data.get("address") or "",
            "latitude": data.get("latitude") or None,
            "longitude": data.get("longitude") or None,
            "urgency": data["urgency"],
            "publish_consent": bool(data.get("publish_consent")),
        }

    def photos_for_service(self) -> list[tuple[str, bytes]]:
        return photos_payload(self.cleaned_data.get("photos") or [])


class SelfHandleForm(ServiceErrorsForm):
    note = forms.CharField(
        label="处置情况",
        required=False,  # the service: "请填写处置情况"
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="做了什么、结果如何",
    )
    before = PhotosField(label="处置前照片", required=True)
    after = PhotosField(label="处置后照片", required=True)

    def for_service(self) -> dict[str, Any]:
        return {
            "note": self.cleaned_data.get("note") or "",
            "before": photos_payload(self.cleaned_data.get("before") or []),
            "after": photos_payload(self.cleaned_data.get("after") or []),
        }


class RuleTestForm(forms.Form):
    """An example appeal for the rule test page; unknown codes are named in Chinese."""

    text = forms.CharField(
        label="诉求内容（示例）",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请输入示例诉求内容"},
    )
    category_code = forms.CharField(label="分类", required=False, widget=forms.Select())
    division_code = forms.CharField(label="区划", required=False, widget=forms.Select())
    channel = forms.ChoiceField(label="渠道", required=False, choices=())
    appeal_type = forms.ChoiceField(label="诉求类型", required=False, choices=())
    is_enterprise = forms.BooleanField(label="企业诉求", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_code"].widget.choices = category_choices(blank="不限（未分类）")
        self.fields["division_code"].widget.choices = division_choices(blank="不限")
        self.fields["channel"].choices = channel_choices(blank="不限")  # type: ignore[attr-defined]
        self.fields["appeal_type"].choices = [("", "不限"), *appeal_type_choices()]  # type: ignore[attr-defined]
        self.fields["channel"].error_messages["invalid_choice"] = "渠道“%(value)s”无效"
        self.fields["appeal_type"].error_messages["invalid_choice"] = "诉求类型“%(value)s”无效"

    def clean_text(self) -> str:
        text = (self.cleaned_data.get("text") or "").strip()
        if not text:
            raise forms.ValidationError("请输入示例诉求内容")
        if len(text) > MAX_EXAMPLE:
            raise forms.ValidationError(f"示例内容不能超过{MAX_EXAMPLE}个字（当前{len(text)}个字）")
        return text

    def clean_category_code(self) -> Any:
        code = (self.cleaned_data.get("category_code") or "").strip()
        if not code:
            return None
        found = {c.code: c for c in dispatch_selectors.category_list()}.get(code)
        if found is None:
            raise forms.ValidationError(f"诉求分类“{code}”不存在或已停用")
        return found

    def clean_division_code(self) -> Any:
        code = (self.cleaned_data.get("division_code") or "").strip()
        if not code:
            return None
        found = orgs_selectors.active_division_by_code((code or "").strip())
        if found is None:
            raise forms.ValidationError(f"行政区划“{code}”不存在")
        return found
