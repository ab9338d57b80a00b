"""The type of `actor` in every service: a user (anonymous at a public endpoint) or the platform."""

from __future__ import annotations

from typing import TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser

from shuzheng.core.actors import SystemActor
from shuzheng.identity.models import User

Actor: TypeAlias = User | AnonymousUser | SystemActor


def is_user(actor: object) -> TypeGuard[User]:
    """An account, not an anonymous visitor or the platform (other contexts check it without the model)."""
    return isinstance(actor, User)
