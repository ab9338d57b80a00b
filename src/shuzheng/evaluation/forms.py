"""Forms of the 好差评 pages: parsing, labels and accessibility only — the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.evaluation.constants import (
    COMMENT_MAX_LENGTH,
    DIMENSIONS,
    AppealDecision,
    EvaluationChannel,
    Level,
)
from shuzheng.evaluation.stats import GROUPS, PERIODS

LEVEL_CHOICES = [(str(value), label) for value, label in sorted(Level.choices, reverse=True)]
DATE_ERRORS = {"invalid": "日期格式应为 年-月-日，如 2026-01-31。"}


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
    )


class ServiceErrorsMixin(ServiceErrorsForm):
    def field_for(self, service_field: str) -> str | None:
        # rating dimensions are named "dimensions.<key>" by the service and "<key>" on the form
        return super().field_for(service_field.removeprefix("dimensions."))


class RatingForm(ServiceErrorsMixin):
    """整体满意度 (the five levels, required), the channel's other dimensions (optional), a comment."""

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.dimension_names: list[str] = []
        for key, label in DIMENSIONS[EvaluationChannel(channel)].items():
            if key == "overall":
                self.fields["overall"] = forms.TypedChoiceField(
                    label=f"{label}（评价等级）",
                    choices=LEVEL_CHOICES,
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": "请选择评价等级（整体满意度）。",
                        "invalid_choice": "评价等级只能是五个等级之一。",
                    },
                )
            else:
                self.fields[key] = forms.TypedChoiceField(
                    label=label,
                    choices=[("", "不评"), *LEVEL_CHOICES],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": f"{label}只能是五个等级之一。"},
                )
                self.dimension_names.append(key)
        self.fields["comment"] = forms.CharField(
            label="评价内容（可选）",
            required=False,
            max_length=COMMENT_MAX_LENGTH,
            help_text=f"请写下您的意见或建议，不超过{COMMENT_MAX_LENGTH}字。",
            widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX_LENGTH}),
            error_messages={"max_length": f"评价内容不能超过{COMMENT_MAX_LENGTH}个字。"},
        )

    def rating(self) -> dict[str, Any]:
        data = self.cleaned_data
        dimensions = {"overall": data["overall"]}
        dimensions.update({key: data[key] for key in self.dimension_names if data.get(key) is not None})
        return {"level": data["overall"], "dimensions": dimensions, "comment": data.get("comment") or ""}

    @property
    def other_dimensions(self) -> list[Any]:
        return [self[key] for key in self.dimension_names]


class QrRatingForm(RatingForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, channel=EvaluationChannel.QR, **kwargs)
        self.fields["phone"] = forms.CharField(
            label="联系电话（可选）",
            required=False,
            max_length=20,
            help_text="留下手机号码，便于我们就您的意见回访；号码加密保存，仅用于回访。",
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "numeric"}),
            error_messages={"max_length": "手机号码过长。"},
        )


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
    date_from = _date_field("开始日期")
    date_to = _date_field("结束日期")

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


class CallbackForm(ServiceErrorsMixin):
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


class AppealForm(ServiceErrorsMixin):
    reason = forms.CharField(
        label="申诉理由",
        max_length=1000,
        help_text="说明为何认为该评价属恶意评价或误评，并列明可核实的依据（如录像、办件记录）。",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写申诉理由。", "max_length": "申诉理由不能超过1000个字。"},
    )


class AppealReviewForm(ServiceErrorsMixin):
    decision = forms.ChoiceField(
        label="复核结论",
        choices=AppealDecision.choices,
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


class StatsFilterForm(forms.Form):
    group_by = forms.ChoiceField(
        label="统计口径", required=False, choices=[(k, v) for k, v in GROUPS.items() if k != "total"]
    )
    period = forms.ChoiceField(label="时间粒度", required=False, choices=list(PERIODS.items()))
    date_from = _date_field("开始日期")
    date_to = _date_field("结束日期")
    channel = forms.ChoiceField(
        label="渠道", required=False, choices=[("", "全部"), *EvaluationChannel.choices]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data
