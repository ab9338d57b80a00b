"""Workbench forms: issue a seal, act on one, issue / change / revoke a licence."""

from __future__ import annotations

from typing import Any

from django import forms

from shuzheng.licences.constants import SealKind


class SealIssueForm(forms.Form):
    department = forms.TypedChoiceField(label="用章部门", coerce=int)
    kind = forms.ChoiceField(label="印章类型", choices=SealKind.choices, initial=SealKind.OFFICIAL)
    hall_code = forms.CharField(label="受理大厅编码（受理专用章）", required=False, max_length=32)
    organisation_code = forms.CharField(
        label="单位统一社会信用代码", required=False, max_length=18, help_text="部门已登记时可不填"
    )
    years = forms.IntegerField(label="有效期（年）", min_value=1, max_value=10, initial=5)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d.pk, f"{d.code} {d.name}") for d in departments]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LicenceIssueForm(forms.Form):
    licence_type = forms.TypedChoiceField(label="证照类型", coerce=int)
    holder_name = forms.CharField(label="持证主体名称", max_length=128)
    holder_code = forms.CharField(label="证件号码（身份证号或统一社会信用代码）", max_length=32)
    face = forms.CharField(
        label="照面信息",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一项，写作“信息项：内容”，信息项见证照类型",
    )

    def __init__(self, *args: Any, types: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["licence_type"].choices = [(t.pk, f"{t.name}（{t.department.name}）") for t in types]  # type: ignore[attr-defined]


def data_by_label(text: str, fields: list[dict[str, str]]) -> dict[str, str]:
    """“信息项：内容” lines to {key: value}; an unknown label is kept under its own text, so the service
    names it as not a field of the type."""
    keys = {f["label"]: f["key"] for f in fields}
    data: dict[str, str] = {}
    for line in (text or "").splitlines():
        label, sep, value = line.replace(":", "：", 1).partition("：")
        if sep and label.strip():
            data[keys.get(label.strip(), label.strip())] = value.strip()
    return data
