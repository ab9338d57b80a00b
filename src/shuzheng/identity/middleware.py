"""Idle-session timeout and the staff second-factor gate.

Both sit after Django's AuthenticationMiddleware and django-otp's OTPMiddleware. Pages get a redirect
to the login (or one-time-code) page; API and JSON callers get a problem+json: 401 when the session
expired, 403 `second_factor_required` while a staff session has not passed TOTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix, get_urlconf, reverse

from shuzheng.core import errors
from shuzheng.core.api import problem_response
from shuzheng.identity.models import User
from shuzheng.identity.services import logins as login_services

LAST_ACTIVITY_KEY = "identity_last_activity"
SESSION_EXPIRED_KEY = "identity_session_expired"
ACTIVITY_RESOLUTION_SECONDS = 60


def wants_json(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return True
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "html" not in accept


def _redirect_with_next(request: HttpRequest, url: str) -> HttpResponseRedirect:
    if request.method == "GET":
        return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
    return HttpResponseRedirect(url)


def staff_needs_second_factor(user: object) -> bool:
    """Whether this (authenticated) user still has to pass the one-time code before using the platform."""
    if not settings.SHUZHENG_STAFF_OTP_REQUIRED:
        return False
    if getattr(user, "kind", None) != User.Kind.STAFF:
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


class IdleTimeoutMiddleware:
    """Logs out sessions idle longer than `settings.IDLE_TIMEOUT_SECONDS` (last activity kept in session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and session is not None and user.is_authenticated:
            now = time.time()
            last = session.get(LAST_ACTIVITY_KEY)
            timeout = settings.IDLE_TIMEOUT_SECONDS
            if isinstance(last, int | float) and timeout and now - last > timeout:
                return self._expire(request, user)
            # Writing the session on every request costs a database write per call; a minute's
            # resolution is plenty for a 30-minute idle limit.
            if not isinstance(last, int | float) or now - last >= ACTIVITY_RESOLUTION_SECONDS:
                session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _expire(request: HttpRequest, user: object) -> HttpResponse:
        login_services.logged_out(user=user, reason="idle_timeout")  # type: ignore[arg-type]
        logout(request)
        request.session[SESSION_EXPIRED_KEY] = True
        minutes = max(1, round(settings.IDLE_TIMEOUT_SECONDS / 60))
        if wants_json(request):
            return problem_response(
                request,
                errors.AuthenticationRequired(
                    f"登录已超时（超过 {minutes} 分钟未操作），请重新登录。", code="session_expired"
                ),
            )
        return _redirect_with_next(request, reverse("identity:login"))


class SecondFactorRequired(errors.PermissionDenied):
    """403, not 401: the caller is authenticated, but the password step alone does not grant access
    (RFC 9110 §15.5.4); a 401 would also owe a WWW-Authenticate challenge a session cannot answer."""

    code = "second_factor_required"
    title = "需要完成动态口令验证"


@lru_cache(maxsize=8)
def _exempt_prefixes(urlconf: str, script_prefix: str, static_url: str | None) -> tuple[str, ...]:
    """The paths an unverified staff session may reach, resolved once per URLconf and script prefix
    (`reverse` reads the prefix itself) instead of three `reverse` calls per request."""
    return (
        reverse("identity:login", urlconf=urlconf),
        reverse("identity:otp", urlconf=urlconf),  # also /accounts/otp/setup/
        reverse("identity:logout", urlconf=urlconf),
        static_url or "/static/",
        "/healthz",
        "/readyz",
        "/.well-known/",
    )


class StaffSecondFactorMiddleware:
    """Staff sessions that have not passed the TOTP step may only reach login, OTP, logout and probes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def exempt(path: str) -> bool:
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        return path.startswith(_exempt_prefixes(urlconf, get_script_prefix(), settings.STATIC_URL))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.SHUZHENG_STAFF_OTP_REQUIRED
            and user is not None
            and user.is_authenticated
            and staff_needs_second_factor(user)
            and not self.exempt(request.path)
        ):
            if wants_json(request):
                return problem_response(
                    request,
                    SecondFactorRequired("工作人员须先完成动态口令（二次）验证。"),
                )
            return _redirect_with_next(request, reverse("identity:otp"))
        return self.get_response(request)
