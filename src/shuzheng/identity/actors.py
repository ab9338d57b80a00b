"""The type of `actor` in every service: a user (anonymous at a public endpoint) or the platform."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from shuzheng.core.actors import SystemActor
from shuzheng.identity.models import User

Actor: TypeAlias = User | AnonymousUser | SystemActor
