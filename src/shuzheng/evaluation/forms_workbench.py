"""Forms of the 好差评 workbench: on-site lookup, list filters, rectification and dispute actions."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.evaluation.constants import DisputeDecision, EvaluationChannel
from shuzheng.evaluation.forms_common import LEVEL_CHOICES, ServiceErrorsMixin, date_field


class CaseLookupForm(forms.Form):
    number = forms.CharField(
        label="办件编号",
        max_length=40,
        strip=True,
        error_messages={"required": "请输入办件编号。", "max_length": "办件编号过长。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class EvaluationFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label="渠道", required=False, choices=[("", "全部"), *EvaluationChannel.choices]
    )
    level = forms.TypedChoiceField(
        label="等级", required=False, choices=[("", "全部"), *LEVEL_CHOICES], coerce=int, empty_value=None
    )
    bad_only = forms.BooleanField(label="只看差评", required=False)
    validity = forms.ChoiceField(
        label="有效性",
        required=False,
        choices=[("", "全部"), ("valid", "有效"), ("voided", "已作废")],
    )
    date_from = date_field("开始日期")
    date_to = date_field("结束日期")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data


class RectificationFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("open", "待整改"), ("awaiting_check", "待核查"), ("done", "已办结"), ("all", "全部")],
    )
    overdue = forms.BooleanField(label="只看超期", required=False)
    unassigned = forms.BooleanField(label="只看未分配", required=False)
    mine = forms.BooleanField(label="只看我负责的", required=False)


class ReturnVisitForm(ServiceErrorsMixin):
    note = forms.CharField(
        label="回访记录",
        max_length=1000,
        help_text="回访时间、方式、评价人反映的问题和双方商定的处理意见。",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写回访记录。", "max_length": "回访记录不能超过1000个字。"},
    )


class ResultForm(ServiceErrorsMixin):
    result = forms.CharField(
        label="整改结果",
        max_length=2000,
        help_text="查明的原因、采取的整改措施和成效。",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写整改结果。", "max_length": "整改结果不能超过2000个字。"},
    )


class CheckForm(ServiceErrorsMixin):
    passed = forms.TypedChoiceField(
        label="核查结论",
        choices=[("yes", "通过"), ("no", "不通过，退回整改")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择核查结论。", "invalid_choice": "核查结论只能是通过或不通过。"},
    )
    note = forms.CharField(
        label="核查意见",
        required=False,
        max_length=1000,
        help_text="不通过时必须写明理由。",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "核查意见不能超过1000个字。"},
    )


class AssignForm(ServiceErrorsMixin):
    owner_id = forms.TypedChoiceField(
        label="整改责任人",
        coerce=int,
        error_messages={
            "required": "请选择整改责任人。",
            "invalid_choice": "请从本部门的整改处理人员中选择。",
        },
    )

    def __init__(self, *args: Any, handlers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [("", "请选择"), *((str(u.pk), u.full_name) for u in handlers)]  # type: ignore[attr-defined]


class DisputeForm(ServiceErrorsMixin):
    reason = forms.CharField(
        label="申诉理由",
        max_length=1000,
        help_text="说明为何认为该评价属恶意评价或误评，并列明可核实的依据（如录像、办件记录）。",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写申诉理由。", "max_length": "申诉理由不能超过1000个字。"},
    )


class DisputeReviewForm(ServiceErrorsMixin):
    decision = forms.ChoiceField(
        label="复核结论",
        choices=DisputeDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择复核结论。", "invalid_choice": "复核结论只能是成立或不成立。"},
    )
    note = forms.CharField(
        label="复核意见",
        max_length=1000,
        help_text="申诉成立时，此意见即为评价的作废理由。",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写复核意见。", "max_length": "复核意见不能超过1000个字。"},
    )
