"""Login forms: labels, autocomplete hints and input modes for accessibility; no rules in here."""

from __future__ import annotations

from django import forms


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
