"""The form of a quality rule on the data-hub workbench's quality page."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.core import errors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.datahub.forms_catalog import choice_error
from shuzheng.datahub.models import (
    RuleKind,
)
from shuzheng.datahub.quality import TYPE_LABELS

# --- quality -------------------------------------------------------------------------------------------


class QualityRuleForm(ServiceErrorsForm):
    """A rule of one entry; the parameter fields that apply depend on the kind (see the hints)."""

    field_map = {"params": "kind"}
    kind = forms.ChoiceField(
        label="规则类型", choices=RuleKind.choices, error_messages=choice_error("规则类型")
    )
    item = forms.ChoiceField(label="信息项", required=False, error_messages=choice_error("信息项"))
    name = forms.CharField(label="规则名称", required=False, max_length=128, help_text="留空自动命名")
    pattern = forms.CharField(
        label="正则表达式", required=False, max_length=200, help_text="格式（正则）规则"
    )
    values = forms.CharField(
        label="枚举值",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="枚举值规则：每行一个",
    )
    type = forms.ChoiceField(
        label="类型",
        required=False,
        choices=[("", "—"), *TYPE_LABELS.items()],
        help_text="类型规则",
        error_messages=choice_error("类型"),
    )
    min = forms.CharField(label="最小值", required=False, max_length=64, help_text="取值范围规则")
    max = forms.CharField(label="最大值", required=False, max_length=64, help_text="取值范围规则")
    ref_entry = forms.CharField(
        label="引用资源代码", required=False, max_length=64, help_text="引用存在 / 跨表一致"
    )
    ref_field = forms.CharField(label="引用字段", required=False, max_length=63)
    key = forms.CharField(label="本表关联键", required=False, max_length=63, help_text="跨表一致")
    ref_key = forms.CharField(label="引用表关联键", required=False, max_length=63, help_text="跨表一致")
    max_age_days = forms.IntegerField(
        label="最长间隔天数",
        required=False,
        min_value=1,
        max_value=3660,
        help_text="更新及时规则；留空按更新周期",
        error_messages={
            "invalid": "最长间隔天数应为整数。",
            "min_value": "最长间隔天数应为 1–3660。",
            "max_value": "最长间隔天数应为 1–3660。",
        },
    )

    PARAM_FIELDS = {
        "pattern": ("pattern",),
        "enum": ("values",),
        "type": ("type",),
        "range": ("min", "max"),
        "reference": ("ref_entry", "ref_field"),
        "cross_match": ("ref_entry", "ref_field", "key", "ref_key"),
        "freshness": ("max_age_days",),
    }

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "（整表）"), *((i.name, i.label) for i in items)]  # type: ignore[attr-defined]

    def add_service_error(self, error: errors.ApplicationError) -> None:
        placed = False
        for problem in error.errors:
            field = str(problem.get("field") or "")
            name = field.split(".", 1)[1] if field.startswith("params.") else field
            if name in self.fields:
                self.add_error(name, str(problem.get("message") or error.detail))
                placed = True
        if not placed:
            self.add_error(None, error.detail)

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {}
        for name in self.PARAM_FIELDS.get(data["kind"], ()):
            value = data.get(name)
            if name == "values":
                lines = [v.strip() for v in str(value or "").replace("，", "\n").splitlines()]
                result["values"] = [v for v in lines if v]
            elif value not in (None, ""):
                result[name] = value
        return result
