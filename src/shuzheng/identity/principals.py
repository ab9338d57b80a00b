"""The signed-in user and their verified OTP device, read from the shared cache instead of two queries on
every request (issue 14: each costs a round trip and an ORM query compilation).

Only when `SHUZHENG_AUTHZ_CACHE_SECONDS` is above zero, i.e. with a cache every app process shares
(Redis), as for authorization snapshots. Entries are copies of the rows: every save or delete of a user
or a device drops its entry (now and again at commit, so a concurrent request cannot keep the row from
before the commit), and `authz.bump`, which updates stamps without saving, drops the entries of the users
it bumps. Django still checks the session's password hash against the user, so a password change ends
other sessions as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_otp.middleware import OTPMiddleware

from shuzheng.identity.models import User


def _seconds() -> int:
    return int(settings.SHUZHENG_AUTHZ_CACHE_SECONDS)


def _user_key(pk: Any) -> str:
    return f"identity:user:{pk}"


def _device_key(persistent_id: str) -> str:
    return f"identity:otp-device:{persistent_id}"


def cached_user(user_id: Any, load: Callable[[Any], User | None]) -> User | None:
    """The user `user_id` as `load` reads it, through the shared cache when configured."""
    seconds = _seconds()
    if not seconds:
        return load(user_id)
    key = _user_key(user_id)
    found = cache.get(key)
    if isinstance(found, User):
        return found
    user = load(user_id)
    if user is not None:
        cache.set(key, user, seconds)
    return user


def forget_users(pks: Iterable[Any]) -> None:
    """Drop cached users, now and once the current transaction commits."""
    keys = [_user_key(pk) for pk in pks]
    if not keys or not _seconds():
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_device(persistent_id: str) -> None:
    if not _seconds():
        return
    key = _device_key(persistent_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware with the session's device read through the shared cache (same checks:
    the device must belong to the user and be confirmed, else the session loses it)."""

    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        seconds = _seconds()
        if not seconds:
            return super()._device_from_persistent_id(persistent_id)
        key = _device_key(self._normalize_persistent_id(persistent_id))
        device = cache.get(key)
        if device is None:
            device = super()._device_from_persistent_id(persistent_id)
            if device is not None:
                cache.set(key, device, seconds)
        return device
