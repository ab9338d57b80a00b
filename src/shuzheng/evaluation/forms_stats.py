"""The filter form of the 好差评 dashboard and its Excel export."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.evaluation.constants import EvaluationChannel
from shuzheng.evaluation.forms_common import date_field
from shuzheng.evaluation.stats import GROUPS, PERIODS


class StatsFilterForm(forms.Form):
    group_by = forms.ChoiceField(
        label="统计口径", required=False, choices=[(k, v) for k, v in GROUPS.items() if k != "total"]
    )
    period = forms.ChoiceField(label="时间粒度", required=False, choices=list(PERIODS.items()))
    date_from = date_field("开始日期")
    date_to = date_field("结束日期")
    channel = forms.ChoiceField(
        label="渠道", required=False, choices=[("", "全部"), *EvaluationChannel.choices]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data
