"""Login forms: labels, autocomplete hints and input modes for accessibility; no rules in here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm

from shuzheng.identity.services import accounts as account_services


class LoginForm(forms.Form):
    username = forms.CharField(
        label="账号",
        max_length=64,
        strip=True,
        error_messages={"required": "请输入账号。"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(
        label="密码",
        max_length=128,
        strip=False,
        error_messages={"required": "请输入密码。"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OTPForm(forms.Form):
    otp_token = forms.RegexField(
        label="动态验证码",
        regex=r"^\s*\d{6,8}\s*$",
        strip=True,
        help_text="打开手机上的身份验证器应用，输入显示的 6 位数字。",
        error_messages={"required": "请输入动态验证码。", "invalid": "动态验证码应为 6 位数字。"},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "maxlength": "8",
                "autofocus": True,
            }
        ),
    )


class PolicyAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form, saving through `user_set_password` (policy, history, audit)."""

    def __init__(self, user: Any, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.actor = actor

    def save(self, commit: bool = True) -> Any:
        if not self.cleaned_data.get("set_usable_password", True):
            return super().save(commit=commit)  # "password login disabled": nothing to validate
        password = self.cleaned_data["password1"]
        account_services.user_set_password(
            actor=self.actor, user=self.user, password=password, field="password1"
        )
        return self.user
