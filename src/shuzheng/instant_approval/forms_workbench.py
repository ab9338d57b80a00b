"""Forms of the 秒批 workbench: edit a rule set, test it on example inputs, review an automatic approval.
Parsing and labels only; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.core.forms import ServiceErrorsForm

_CONDITIONS_HELP = (
    "条件列表（JSON）：每条含 code（可选）、label（中文说明）和 logic（JSON Logic 表达式），例如 "
    '[{"code": "age", "label": "年满80周岁", "logic": {">=": [{"var": "registry.person.age"}, 80]}}]。'
    "只能引用下方列出的字段。"
)


class RuleSetForm(ServiceErrorsForm):
    field_map = {"registries.person": "person_registry", "registries.enterprise": "enterprise_registry"}

    conditions = forms.CharField(
        label="条件",
        help_text=_CONDITIONS_HELP,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "class": "code"}),
        error_messages={"required": "请填写条件。", "max_length": "规则内容过长（不超过20000个字符）。"},
    )
    person_registry = forms.ChoiceField(label="自然人基础库（registry.person.*）", required=False)
    enterprise_registry = forms.ChoiceField(label="法人基础库（registry.enterprise.*）", required=False)
    reasons = forms.CharField(
        label="准予理由", max_length=500, help_text="自动准予时写入决定的理由。",
        error_messages={"required": "请填写准予理由。", "max_length": "准予理由不能超过500个字。"},
    )  # fmt: skip
    legal_basis = forms.CharField(
        label="依据", max_length=500, required=False,
        error_messages={"max_length": "依据不能超过500个字。"},
    )  # fmt: skip
    note = forms.CharField(
        label="修订说明", max_length=500, required=False,
        error_messages={"max_length": "修订说明不能超过500个字。"},
    )  # fmt: skip

    def __init__(self, *args: Any, registries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "（不读取）"), *registries]
        for name in ("person_registry", "enterprise_registry"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
            field.error_messages["invalid_choice"] = "请从列表中选择数据资源。"

    def registries(self) -> dict[str, str]:
        data = self.cleaned_data
        found = {"person": data.get("person_registry"), "enterprise": data.get("enterprise_registry")}
        return {kind: code for kind, code in found.items() if code}


class RuleTestForm(ServiceErrorsForm):
    example = forms.CharField(
        label="示例输入（JSON）",
        max_length=20_000,
        help_text='如 {"form": {"reason": "申请"}, "registry": {"person": {"birth_date": "1940-05-01"}}, '
        '"licences": {"types": []}}；年龄由出生日期推算。测试不写入任何数据。',
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
        error_messages={"required": "请填写示例输入。", "max_length": "示例数据过长（不超过20000个字符）。"},
    )


class ReviewForm(ServiceErrorsForm):
    note = forms.CharField(
        label="复核意见（撤销时为撤销理由，必填）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "不能超过2000个字。"},
    )
