"""The admin's forms that write through identity services (password policy, history, audit)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AdminPasswordChangeForm

from shuzheng.identity.services import accounts as account_services


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
