"""Forms of the portal and the workbench: parsing, labels and accessibility only — the rules (password
policy, who may see what) live in the identity and orgs services and selectors."""

from __future__ import annotations

from django import forms

from shuzheng.core.forms import ServiceErrorsForm
from shuzheng.orgs.constants import HallLevel
from shuzheng.web.audit_labels import action_choices


class HallSearchForm(forms.Form):
    q = forms.CharField(
        label="查找大厅",
        required=False,
        max_length=64,
        strip=True,
        help_text="输入大厅名称、编码或地址中的文字",
        error_messages={"max_length": "查找内容过长（最多 64 个字）。"},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    level = forms.ChoiceField(
        label="层级",
        required=False,
        choices=[("", "全部"), *HallLevel.choices],
        error_messages={"invalid_choice": "层级只能是市级、镇级或村级。"},
    )
    cursor = forms.CharField(required=False, max_length=512, widget=forms.HiddenInput)


class PasswordChangeForm(ServiceErrorsForm):
    old_password = forms.CharField(
        label="原密码",
        strip=False,
        max_length=128,
        error_messages={"required": "请输入原密码。"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="新密码",
        strip=False,
        max_length=128,
        error_messages={"required": "请输入新密码。"},
        # The policy's rules are listed under the field (password_rules, read from the configured validators).
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "aria-describedby": "password-rules"}
        ),
    )
    new_password2 = forms.CharField(
        label="确认新密码",
        strip=False,
        max_length=128,
        error_messages={"required": "请再次输入新密码。"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        first, second = data.get("new_password"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


class AuditFilterForm(ServiceErrorsForm):
    action = forms.ChoiceField(
        label="操作",
        required=False,
        choices=action_choices,
        error_messages={"invalid_choice": "请从列表中选择操作。"},
    )
    actor = forms.CharField(
        label="操作人账号",
        required=False,
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"max_length": "账号过长。"},
    )
    date_from = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式应为 年-月-日，如 2026-01-31。"},
    )
    date_to = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式应为 年-月-日，如 2026-01-31。"},
    )
