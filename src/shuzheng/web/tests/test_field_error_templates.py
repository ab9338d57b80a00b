"""Every template that writes field errors passes them through plain_words: no permission or role codes."""

from __future__ import annotations

import pytest
from django import forms
from django.template.loader import render_to_string

from shuzheng.identity.tests.factories import RoleFactory


class _Form(forms.Form):
    choice = forms.ChoiceField(label="评价", choices=[("1", "好"), ("2", "差")], widget=forms.RadioSelect)
    text = forms.CharField(label="说明")
    agree = forms.BooleanField(label="同意公开")


def _form() -> _Form:
    form = _Form({"choice": "1", "text": "x", "agree": "on"})
    form.is_valid()
    for name in ("choice", "text", "agree"):
        form.add_error(name, "办理人须具有 case_reviewer 角色（appeals.view_appeal）")
    form.add_error(None, "没有登记诉求的权限（appeals.intake_appeal）")
    return form


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("template", "field"),
    [
        ("appeals/workbench/includes/field.html", "text"),
        ("appeals/portal/form_field.html", "agree"),  # its own checkbox markup
        ("cases/includes/action_field.html", "text"),
        ("evaluation/includes/choice_field.html", "choice"),
    ],
)
def test_field_errors_name_no_codes(template: str, field: str) -> None:
    RoleFactory.create(code="case_reviewer", name="审查人员")
    html = render_to_string(template, {"field": _form()[field]})
    assert "“审查人员”" in html
    assert "case_reviewer" not in html
    assert "appeals.view_appeal" not in html


@pytest.mark.django_db
def test_schema_form_errors_name_no_codes() -> None:
    html = render_to_string("cases/includes/schema_fields.html", {"schema_form": _form()})
    assert "appeals.view_appeal" not in html
    assert "办理人须具有" in html


@pytest.mark.django_db
def test_non_field_errors_name_no_codes() -> None:
    html = render_to_string("identity/_non_field_errors.html", {"form": _form()})
    assert "没有登记诉求的权限" in html
    assert "appeals.intake_appeal" not in html
