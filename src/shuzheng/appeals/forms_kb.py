"""Forms of the knowledge-base pages: an article draft, the review decision, the retire note, the search.

Parsing and labels only; ``services.knowledge_article_*`` check lengths, dates and who may do what.
"""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.appeals.constants import ArticleStatus
from shuzheng.appeals.forms_common import category_choices
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.orgs import selectors as orgs_selectors


class ArticleForm(ServiceErrorsForm):
    question = forms.CharField(label="问题", required=False, help_text="群众常问的问题，200字以内")
    answer = forms.CharField(
        label="答复口径", required=False, widget=forms.Textarea(attrs={"rows": 8}), help_text="10000字以内"
    )
    keywords = forms.CharField(label="关键词", required=False, help_text="逗号分隔，帮助检索")
    category_code = forms.CharField(label="分类", required=False, widget=forms.Select())
    department_id = forms.TypedChoiceField(label="责任部门", required=False, coerce=int, empty_value=None)
    valid_from = forms.DateField(
        label="生效日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "生效日期格式应为 年-月-日"},
    )
    valid_to = forms.DateField(
        label="失效日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "失效日期格式应为 年-月-日"},
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:  # the update service keeps category and department as they are
            del self.fields["category_code"]
            del self.fields["department_id"]
            return
        self.fields["category_code"].widget.choices = category_choices(blank="不限")
        self.fields["department_id"].choices = [  # type: ignore[attr-defined]
            ("", "不限"),
            *((d.pk, d.name) for d in orgs_selectors.department_queryset().order_by("path")),
        ]
        self.fields["department_id"].error_messages["invalid_choice"] = "请选择列表中的部门"

    def clean_category_code(self) -> Any:
        code = (self.cleaned_data.get("category_code") or "").strip()
        if not code:
            return None
        found = {c.code: c for c in dispatch_selectors.category_list()}.get(code)
        if found is None:
            raise forms.ValidationError(f"诉求分类“{code}”不存在或已停用")
        return found

    def for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "question": data.get("question") or "",
            "answer": data.get("answer") or "",
            "keywords": data.get("keywords") or "",
            "valid_from": data.get("valid_from"),
            "valid_to": data.get("valid_to"),
        }
        if not self.editing:
            department_id = data.get("department_id")
            values["category"] = data.get("category_code")
            values["department"] = orgs_selectors.active_department(department_id) if department_id else None
        return values


class ReviewForm(ServiceErrorsForm):
    decision = forms.ChoiceField(
        label="审核结论",
        choices=[("approve", "通过并发布"), ("reject", "退回修改")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择审核结论", "invalid_choice": "请选择审核结论"},
    )
    note = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="退回时必填"
    )


class RetireForm(ServiceErrorsForm):
    note = forms.CharField(label="下线原因", required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label="检索", required=False, max_length=200)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ArticleStatus.choices])
