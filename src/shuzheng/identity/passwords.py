"""Password policy validators (configured in AUTH_PASSWORD_VALIDATORS); messages are in Chinese.

* `CharacterClassValidator` — at least `min_classes` of: lower case, upper case, digit, symbol.
* `NotUsernameValidator` — the password must not contain the username or the username reversed
  (case-insensitive).
* `MinimumLengthValidator` — Django's, with a Chinese message (Django's own lacks a zh-Hans plural).
* `HistoryValidator` — the password must differ from the last `depth` passwords in
  `PasswordHistory` (the `user_set_password` service records history and keeps `depth` rows).

`check_current_password` checks the old password of a self-service change as a login would, so each
wrong guess counts toward django-axes' lockout.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from shuzheng.core.errors import RateLimited, ValidationFailed

HISTORY_DEPTH = 5

_CLASS_NAMES = ("小写字母", "大写字母", "数字", "特殊符号")


def character_classes(password: str) -> int:
    """How many of lower / upper / digit / symbol the password uses (non-ASCII letters count as symbols)."""
    lower = any("a" <= c <= "z" for c in password)
    upper = any("A" <= c <= "Z" for c in password)
    digit = any("0" <= c <= "9" for c in password)
    symbol = any(not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9") for c in password)
    return sum((lower, upper, digit, symbol))


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                self._message(), code="password_too_few_character_classes", params={"min": self.min_classes}
            )

    def _message(self) -> str:
        return f"密码须至少包含{'、'.join(_CLASS_NAMES)}中的 {self.min_classes} 类。"

    def get_help_text(self) -> str:
        return self._message()


class NotUsernameValidator:
    def validate(self, password: str, user: Any = None) -> None:
        username = (user.get_username() if user is not None else "") or ""
        username = username.strip().casefold()
        if not username:
            return
        lowered = password.casefold()
        if username in lowered or username[::-1] in lowered:
            raise ValidationError("密码不能包含账号名（包括倒序）。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能包含账号名（包括倒序）。"


class HistoryValidator:
    def __init__(self, depth: int = HISTORY_DEPTH) -> None:
        self.depth = depth

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        from shuzheng.identity.models import PasswordHistory  # the validator is loaded before apps are ready

        recent = PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)
        for encoded in recent[: self.depth]:
            if check_password(password, encoded):
                raise ValidationError(
                    f"新密码不能与最近 {self.depth} 次使用过的密码相同。",
                    code="password_reused",
                    params={"depth": self.depth},
                )

    def get_help_text(self) -> str:
        return f"新密码不能与最近 {self.depth} 次使用过的密码相同。"


def check_current_password(*, request: HttpRequest, user: Any, password: str) -> None:
    """Through `authenticate`, so django-axes counts a wrong guess and refuses a locked account even the
    right password. Call it outside a transaction: a failure is recorded, then the change is refused."""
    checked = authenticate(request, username=user.get_username(), password=password or "")
    if getattr(request, "axes_locked_out", False):
        # Answered here in this operation's words; the flag would make AxesMiddleware answer a login page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        cool_off = get_cool_off(request)
        minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 30
        message = (
            f"原密码输错次数过多，账号已锁定 {minutes} 分钟（登录同样锁定），请稍后再试或联系管理员解锁。"
        )
        field_error = {"field": "old_password", "message": message}
        raise RateLimited(message, code="account_locked", errors=[field_error])
    if checked is None or checked.pk != user.pk:
        raise ValidationFailed.for_field("old_password", "原密码不正确", code="wrong_password")
