"""Forms shared by the portal and the workbench of 好差评: the rating itself, the service-error mixin, dates.
Parsing, labels and accessibility only — the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.evaluation.constants import COMMENT_MAX_LENGTH, DIMENSIONS, EvaluationChannel, Level

LEVEL_CHOICES = [(str(value), label) for value, label in sorted(Level.choices, reverse=True)]
DATE_ERRORS = {"invalid": "日期格式应为 年-月-日，如 2026-01-31。"}


def date_field(label: str) -> forms.DateField:
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
