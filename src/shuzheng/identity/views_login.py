"""Login (password, then TOTP for staff), TOTP enrolment, logout, and the lockout page.

Passwords are checked with `django.contrib.auth.authenticate(request=...)`, so django-axes counts each
failure and refuses a locked account even with the right password.
"""

from __future__ import annotations

import math
import time
from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuzheng.core import errors
from shuzheng.core.api import problem_response
from shuzheng.identity.forms_login import LoginForm, OTPForm
from shuzheng.identity.middleware import (
    LAST_ACTIVITY_KEY,
    SESSION_EXPIRED_KEY,
    staff_needs_second_factor,
    wants_json,
)
from shuzheng.identity.models import User
from shuzheng.identity.services import logins as login_services

NEXT_KEY = "identity_next"
FAILED_LOGIN = "账号或密码错误。"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _home(user: Any) -> str:
    if getattr(user, "kind", None) == User.Kind.STAFF:
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    return reverse("web:portal")


def _lockout_minutes(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 30


def _finish(request: HttpRequest, user: Any) -> HttpResponseRedirect:
    next_url = _safe_next(request, request.session.pop(NEXT_KEY, ""))
    return redirect(next_url or _home(user))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    expired = bool(request.session.pop(SESSION_EXPIRED_KEY, False))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request=request, username=username, password=form.cleaned_data["password"])
        if user is None:
            locked = bool(getattr(request, "axes_locked_out", False))
            login_services.login_failed(username=username, locked_out=locked)
            if locked:
                return lockout_response(request)
            form.add_error(None, FAILED_LOGIN)
        else:
            auth_login(request, user)
            request.session[LAST_ACTIVITY_KEY] = time.time()
            pending = staff_needs_second_factor(user)
            login_services.login_succeeded(user=user, second_factor_pending=pending)
            request.session[NEXT_KEY] = next_url
            if pending:
                return redirect("identity:otp")
            return _finish(request, user)
    context = {
        "form": form,
        "next": next_url,
        "expired": expired,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": _lockout_minutes(request),
    }
    return render(request, "identity/login.html", context)


@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if "next" in request.GET:
        request.session[NEXT_KEY] = _safe_next(request, request.GET["next"])
    if user.is_verified():
        return _finish(request, user)
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))
    if not devices:
        if staff_needs_second_factor(user):
            return redirect("identity:otp_setup")
        return _finish(request, user)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"].strip()
        throttled = not any(d.verify_is_allowed()[0] for d in devices)
        device = next((d for d in devices if d.verify_token(token)), None)
        if device is not None:
            otp_login(request, device)
            login_services.otp_verified(user=user, device=device)
            return _finish(request, user)
        login_services.otp_failed(user=user)
        form.add_error(
            "otp_token",
            "尝试次数过多，请稍候片刻再输入。"
            if throttled
            else "动态验证码不正确或已过期，请输入最新的验证码。",
        )
    return render(request, "identity/otp.html", {"form": form})


@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """First-time TOTP enrolment: an inline SVG QR code (no external service) confirmed by a first code."""
    user: Any = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user.is_verified():
        return _finish(request, user)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("identity:otp")
    device = login_services.otp_setup_start(user=user)
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if login_services.otp_setup_confirm(
            user=user, device=device, token=form.cleaned_data["otp_token"].strip()
        ):
            otp_login(request, device)
            login_services.otp_verified(user=user, device=device)
            return _finish(request, user)
        form.add_error("otp_token", "验证码不正确，请确认手机时间准确后输入最新的验证码。")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title="动态口令绑定二维码", svgclass="otp-qr"
    )
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": mark_safe(qr_svg),  # noqa: S308 - generated by segno from our own otpauth:// URL
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "identity/otp_setup.html", context)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST logs out (a link or prefetch can never end a session)."""
    if request.method == "POST":
        user: Any = request.user
        if user.is_authenticated:
            login_services.logged_out(user=user, reason="user")
        logout(request)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "identity/logout.html")


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin site signs in through the platform login (audit, lockout, second factor)."""
    next_url = _safe_next(request, request.GET.get("next")) or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('identity:login')}?{urlencode({'next': next_url})}")


def admin_logout(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    return logout_view(request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes calls this when an account is locked: a Chinese page (429) or problem+json."""
    minutes = _lockout_minutes(request)
    detail = f"登录失败次数过多，账号已被锁定 {minutes} 分钟。请稍后再试，或联系系统管理员解锁。"
    if wants_json(request) or request.content_type == "application/json":
        return problem_response(request, errors.RateLimited(detail, code="account_locked"))
    response = render(request, "identity/locked.html", {"detail": detail, "minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
