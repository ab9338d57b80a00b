"""The workbench form of a bundle version: its scalar fields, and the shared fields and members as JSON (the
services check every entry and name what is wrong)."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from shuzheng.bundles.constants import Audience, RefusalRule, Theme
from shuzheng.bundles.models import BundleVersion

MEMBERS_HELP = (
    '每个事项一项：{"item_code": "实施编码", "mapping": {"事项表单字段": "共用字段"}, '
    '"own_fields": ["单独填写的字段"], "waits_for": 等待的序号或 null}'
)
SHARED_HELP = (
    '每个共用字段一项：{"name": "phone", "schema": {"type": "string", "title": "联系电话"}, "required": true}'
)


class JSONField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}), max_length=50_000, **kwargs
        )

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        try:
            return json.loads(text) if text else []
        except ValueError as exc:
            raise forms.ValidationError("不是有效的 JSON，请检查括号和引号。") from exc


class BundleForm(forms.Form):
    code = forms.CharField(
        label="主题编码", max_length=40, required=False, help_text="小写字母、数字或连字符"
    )
    name = forms.CharField(label="主题名称", max_length=100)
    summary = forms.CharField(
        label="简介", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    audience = forms.ChoiceField(label="服务对象", choices=Audience.choices)
    theme = forms.ChoiceField(label="人生事件/企业生命周期", choices=Theme.choices)
    lead_department = forms.CharField(label="牵头部门编码", max_length=64)
    keywords = forms.CharField(label="搜索关键词", max_length=255, required=False)
    refusal_rule = forms.ChoiceField(label="事项未获批准时", choices=RefusalRule.choices)
    shared_fields = JSONField(label="共用字段（JSON）", help_text=SHARED_HELP, required=False)
    members = JSONField(label="事项（JSON）", help_text=MEMBERS_HELP)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].required = creating
        if not creating:
            del self.fields["code"]

    @staticmethod
    def initial_for(version: BundleVersion) -> dict[str, Any]:
        members = [
            {
                "item_code": m.item.code,
                "mapping": m.mapping,
                "own_fields": m.own_fields,
                "waits_for": m.waits_for,
            }
            for m in version.members.all()
        ]
        return {
            "name": version.name,
            "summary": version.summary,
            "audience": version.audience,
            "theme": version.theme,
            "lead_department": version.lead_department.code,
            "keywords": version.keywords,
            "refusal_rule": version.refusal_rule,
            "shared_fields": json.dumps(version.shared_fields, ensure_ascii=False, indent=1),
            "members": json.dumps(members, ensure_ascii=False, indent=1),
        }

    def fields_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "code"}


class CorrectionRequestForm(forms.Form):
    """One 补正 over several children: per child in the clerk's scope, what to correct (one per line)."""

    def __init__(self, *args: Any, codes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in codes:
            self.fields[f"items_{code}"] = forms.CharField(
                label=f"{name}：需补正的内容（每行一项，“材料或字段：原因”）",
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def requests(self) -> dict[str, list[dict[str, str]]]:
        found: dict[str, list[dict[str, str]]] = {}
        for name, value in self.cleaned_data.items():
            lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
            if not lines:
                continue
            found[name.removeprefix("items_")] = [
                {
                    "target": line.split("：", 1)[0].strip()[:200],
                    "reason": line.split("：", 1)[-1].strip()[:500],
                }
                for line in lines
            ]
        return found
