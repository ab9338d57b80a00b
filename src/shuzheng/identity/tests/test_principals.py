"""The session's user and OTP device through the shared cache (identity.principals): one cached read per
request, and every change to either is seen by the next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.identity import authz
from shuzheng.identity.backends import RoleBackend
from shuzheng.identity.models import User
from shuzheng.identity.tests.conftest import grant, login_verified, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_cache")]


@pytest.fixture
def shared_cache():
    from django.core.cache import cache

    cache.clear()
    with override_settings(SHUZHENG_AUTHZ_CACHE_SECONDS=300):
        yield
    cache.clear()


def session_user(user: User) -> User:
    """What the authentication middleware loads for each request."""
    loaded = RoleBackend().get_user(user.pk)
    assert loaded is not None
    return loaded


def test_the_session_user_is_read_from_the_cache(org, django_assert_num_queries) -> None:
    user = staff(org.bureau)
    session_user(user)
    with django_assert_num_queries(0):
        assert session_user(user).pk == user.pk


def test_a_saved_or_deleted_user_is_read_afresh(org) -> None:
    user = staff(org.bureau)
    assert session_user(user).is_active
    user.is_active = False
    user.save()
    assert RoleBackend().get_user(user.pk) is None  # an inactive user has no session
    user.is_active = True
    user.save()
    assert session_user(user).is_active
    user.delete()
    assert RoleBackend().get_user(user.pk) is None


def test_grants_and_bumps_reach_the_cached_user(org) -> None:
    user = staff(org.bureau)
    assert not session_user(user).has_perm("identity.view_user")
    grant(user, ["identity.view_user"])  # bumps the user's stamp without saving the user
    assert session_user(user).has_perm("identity.view_user")
    stamp = session_user(user).authz_stamp
    authz.bump()  # everyone (an org tree change)
    assert session_user(user).authz_stamp == stamp + 1


@pytest.mark.usefixtures("otp_required")
def test_the_otp_device_is_cached_until_it_changes(org) -> None:
    user = staff(org.bureau)
    client = Client()
    login_verified(client, user)
    assert client.get("/api/v1/identity/me").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/identity/me").status_code == 200
    assert not [q for q in captured.captured_queries if "otp_totp_totpdevice" in q["sql"]]
    # The session's user (`FROM "identity_user" WHERE id = …`; /me itself reads the user with its unit).
    assert not [q for q in captured.captured_queries if 'FROM "identity_user" WHERE' in q["sql"]]
    TOTPDevice.objects.filter(user=user).delete()  # a lost phone: the administrator resets the device
    response = client.get("/api/v1/identity/me")
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


class CacheReads:
    """Counts the shared cache's read calls (each is one round trip to Redis) while a request runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from django.core.cache import caches

        self.calls: list[tuple[str, list[str]]] = []
        self.depth = 0
        backend = caches["default"]
        for name in ("get", "get_many"):
            original = getattr(backend, name)
            monkeypatch.setattr(backend, name, self._counting(name, original))

    def _counting(self, name: str, original: Any) -> Any:
        def call(keys: Any, *args: Any, **kwargs: Any) -> Any:
            if self.depth == 0:  # the in-memory test cache's get_many calls get itself
                self.calls.append((name, [keys] if isinstance(keys, str) else list(keys)))
            self.depth += 1
            try:
                return original(keys, *args, **kwargs)
            finally:
                self.depth -= 1

        return call


@pytest.mark.usefixtures("otp_required")
def test_one_cache_read_loads_user_device_and_snapshot(org, monkeypatch) -> None:
    user = staff(org.bureau)
    grant(user, ["identity.view_user"])
    client = Client()
    login_verified(client, user)
    assert client.get("/api/v1/identity/users").status_code == 200  # fills the entries
    reads = CacheReads(monkeypatch)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/identity/users").status_code == 200
    principal_reads = [c for c in reads.calls if any(k.startswith(("identity:", "authz:")) for k in c[1])]
    assert len(principal_reads) == 1, reads.calls
    name, keys = principal_reads[0]
    assert name == "get_many"
    assert {k.split(":")[0] + ":" + k.split(":")[1] for k in keys} == {
        "identity:user",
        "identity:otp-device",
        f"authz:{user.pk}",
    }
    assert not [q for q in captured.captured_queries if "auth_permission" in q["sql"]]  # snapshot cached


@pytest.mark.usefixtures("otp_required")
def test_a_grant_made_after_the_early_read_is_seen_by_the_next_request(org) -> None:
    user = staff(org.bureau)
    client = Client()
    login_verified(client, user)
    assert client.get("/api/v1/identity/users").status_code == 403
    grant(user, ["identity.view_user"])
    assert client.get("/api/v1/identity/users").status_code == 200
    TOTPDevice.objects.filter(user=user).update(confirmed=False)  # no signal: the cached device is stale
    TOTPDevice.objects.get(user=user).save()  # a save drops it
    assert client.get("/api/v1/identity/users").status_code == 403


def test_without_the_shared_cache_nothing_is_read_early(org, monkeypatch, settings) -> None:
    settings.SHUZHENG_AUTHZ_CACHE_SECONDS = 0
    user = staff(org.bureau)
    grant(user, ["identity.view_user"])
    client = Client()
    client.force_login(user)
    reads = CacheReads(monkeypatch)
    assert client.get("/api/v1/identity/users").status_code == 200
    assert not [c for c in reads.calls if any(k.startswith(("identity:", "authz:")) for k in c[1])]
