"""The filter form of the public 办事指南 pages: parsing, labels and accessibility only."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.catalog.constants import ItemLevel, ItemType
from shuzheng.catalog.models import GuideGroup

_YES_NO_ANY = [("", "不限"), ("1", "是"), ("0", "否")]


class GuideFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索事项",
        required=False,
        max_length=100,
        strip=True,
        error_messages={"max_length": "搜索内容过长（最多 100 个字）。"},
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": "例如：营业执照、个体户、身份证"}
        ),
    )
    department = forms.ChoiceField(label="实施部门", required=False, choices=[("", "全部部门")])
    group = forms.ChoiceField(label="主题", required=False, choices=[("", "全部主题")])
    level = forms.ChoiceField(
        label="层级",
        required=False,
        choices=[("", "全部层级"), *ItemLevel.choices],
        error_messages={"invalid_choice": "层级只能是市级、镇（街）级或村（居）级。"},
    )
    audience = forms.ChoiceField(
        label="服务对象",
        required=False,
        choices=[("", "个人和法人"), ("person", "个人办事"), ("enterprise", "法人办事")],
        error_messages={"invalid_choice": "服务对象只能是个人或法人。"},
    )
    item_type = forms.ChoiceField(
        label="事项类型",
        required=False,
        choices=[("", "全部类型"), *ItemType.choices],
        error_messages={"invalid_choice": "事项类型无效。"},
    )
    high_frequency = forms.ChoiceField(
        label="高频事项",
        required=False,
        choices=_YES_NO_ANY,
        error_messages={"invalid_choice": "高频事项只能选是或否。"},
    )
    cursor = forms.CharField(required=False, max_length=512, widget=forms.HiddenInput)

    def __init__(self, *args: Any, departments: list[Any], groups: list[GuideGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department_field: Any = self.fields["department"]
        department_field.choices = [("", "全部部门")] + [
            (d.department.code, d.department.name) for d in departments
        ]
        department_field.error_messages["invalid_choice"] = "没有这个实施部门。"
        group_field: Any = self.fields["group"]
        group_field.choices = [("", "全部主题")] + [(g.code, g.name) for g in groups]
        group_field.error_messages["invalid_choice"] = "没有这个主题。"

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        frequency = data.get("high_frequency")
        return {
            "q": data.get("q") or None,
            "department": data.get("department") or None,
            "group": data.get("group") or None,
            "level": data.get("level") or None,
            "audience": data.get("audience") or None,
            "item_type": data.get("item_type") or None,
            "high_frequency": None if not frequency else frequency == "1",
        }
