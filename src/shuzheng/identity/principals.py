"""The signed-in user, their verified OTP device and their authorization snapshot, read from the shared cache
in one round trip per request instead of three queries (or three cache reads) (issue 14).

Only when `SHUZHENG_AUTHZ_CACHE_SECONDS` is above zero, i.e. with a cache every app process shares
(Redis). `CachedOTPMiddleware` reads the session (which names the user and the device) and fetches the
user, device and snapshot entries with one `get_many` before Django's authentication resolves the user;
each entry is then taken from that read once, exactly as a `cache.get` at that point would have returned
it. Entries are copies of the rows: every save or delete of a user or a device drops its entry (now and
again at commit, so a concurrent request cannot keep the row from before the commit), and `authz.bump`,
which updates stamps without saving, drops the entries of the users it bumps. A snapshot is used only
with the stamp and department of the user row it was built for. Django still checks the session's
password hash against the user, so a password change ends other sessions as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from shuzheng.identity.models import User

#: This request's early read: cache key -> value (None when absent); each key is taken once.
_FETCHED: ContextVar[dict[str, Any] | None] = ContextVar("identity_principal_fetched", default=None)
_NOT_FETCHED: Final = object()


def _seconds() -> int:
    return int(settings.SHUZHENG_AUTHZ_CACHE_SECONDS)


def user_key(pk: Any) -> str:
    return f"identity:user:{pk}"


def device_key(persistent_id: str) -> str:
    return f"identity:otp-device:{persistent_id}"


def snapshot_key(pk: Any) -> str:
    return f"authz:{pk}"


def cache_get(key: str) -> Any:
    """`cache.get(key)`, answered from this request's early read when it fetched the key."""
    fetched = _FETCHED.get()
    value = _NOT_FETCHED if fetched is None else fetched.pop(key, _NOT_FETCHED)
    return cache.get(key) if value is _NOT_FETCHED else value


def _forget_fetched(keys: Iterable[str]) -> None:
    fetched = _FETCHED.get()
    if fetched:
        for key in keys:
            fetched.pop(key, None)


def fetch_for_session(session: Any, normalise_device: Callable[[str], str]) -> None:
    """Read the entries of the session's user and device in one round trip (nothing without a user)."""
    fetched = _FETCHED.get()
    if fetched is None or not _seconds():
        return
    raw = session.get(SESSION_KEY)
    if raw is None:
        return
    try:
        pk = User._meta.pk.to_python(raw)  # as django.contrib.auth.get_user converts it
    except ValidationError:
        return
    keys = [user_key(pk), snapshot_key(pk)]
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if isinstance(persistent_id, str) and persistent_id:
        keys.append(device_key(normalise_device(persistent_id)))
    found = cache.get_many(keys)
    fetched.update({key: found.get(key) for key in keys})


def cached_user(user_id: Any, load: Callable[[Any], User | None]) -> User | None:
    """The user `user_id` as `load` reads it, through the shared cache when configured."""
    seconds = _seconds()
    if not seconds:
        return load(user_id)
    key = user_key(user_id)
    found = cache_get(key)
    if isinstance(found, User):
        return found
    user = load(user_id)
    if user is not None:
        cache.set(key, user, seconds)
    return user


def forget_users(pks: Iterable[Any]) -> None:
    """Drop cached users, now and once the current transaction commits."""
    keys = [user_key(pk) for pk in pks]
    if not keys or not _seconds():
        return
    _forget_fetched(keys)
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_device(persistent_id: str) -> None:
    if not _seconds():
        return
    key = device_key(persistent_id)
    _forget_fetched([key])
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware with the session's user, device and snapshot read in one cache round trip
    (same checks: the device must belong to the user and be confirmed, else the session loses it)."""

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async:
            return super().__call__(request)
        token = _FETCHED.set({})
        try:
            response: HttpResponse = super().__call__(request)
        finally:
            _FETCHED.reset(token)
        return response

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        # Runs when request.user is first used, before Django's lazy authentication loads the user.
        fetch_for_session(request.session, self._normalize_persistent_id)
        return super()._verify_user_sync(request, user)

    def _device_from_persistent_id(self, persistent_id: str) -> Any:
        seconds = _seconds()
        if not seconds:
            return super()._device_from_persistent_id(persistent_id)
        key = device_key(self._normalize_persistent_id(persistent_id))
        device = cache_get(key)
        if device is None:
            device = super()._device_from_persistent_id(persistent_id)
            if device is not None:
                cache.set(key, device, seconds)
        return device
