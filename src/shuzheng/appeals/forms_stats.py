"""The form of 诉求统计 (``views_stats``): the period, the department and how daily volume is grouped."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

PERIODS = [
    ("7", "近7天"),
    ("30", "近30天"),
    ("90", "近90天"),
    ("365", "近一年"),
    ("year", "本年"),
    ("custom", "自定义"),
]
GROUPS = [("channel", "渠道"), ("appeal_type", "诉求类型"), ("category", "分类"), ("town", "镇街")]
MAX_DAYS = 3 * 366


class StatsForm(forms.Form):
    period = forms.ChoiceField(label="统计期间", choices=PERIODS, required=False)
    date_from = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    department = forms.ChoiceField(label="主办部门", required=False)
    group_by = forms.ChoiceField(label="受理量分组", choices=GROUPS, required=False)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = {str(d.pk): d for d in departments}
        field = self.fields["department"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "全部（本人数据范围）")] + [(str(d.pk), d.name) for d in departments]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        period = data.get("period") or "30"
        if period == "custom":
            since, until = data.get("date_from"), data.get("date_to")
            if since is None or until is None:
                raise forms.ValidationError("自定义期间须填写开始日期和结束日期")
        elif period == "year":
            since, until = today.replace(month=1, day=1), today
        else:
            since, until = today - timedelta(days=int(period) - 1), today
        if since > until:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        if (until - since).days > MAX_DAYS:
            raise forms.ValidationError("统计期间不能超过3年")
        data.update(
            since=since,
            until=until,
            department_obj=self.departments.get(data.get("department") or ""),
            group=data.get("group_by") or "channel",
        )
        return data
