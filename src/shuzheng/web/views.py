"""HTML views of the citizen portal and the staff workbench. Thin: read through selectors, write through
services, render. Application errors (not found, bad cursor, policy violations) become Chinese pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import user_has_device

from shuzheng.core import errors
from shuzheng.core.masking import mask_id_number, mask_mobile
from shuzheng.identity import audit_selectors
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.page_access import renders_application_errors, staff_required
from shuzheng.identity.services import accounts as account_services
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import HallLevel
from shuzheng.web.context_processors import resolve_first
from shuzheng.web.forms import AuditFilterForm, HallSearchForm, PasswordChangeForm
from shuzheng.web.todo import todo_items

if TYPE_CHECKING:
    from shuzheng.orgs.models import Hall

HALLS_PREVIEW = 6  # per level on the portal home page
HALLS_PER_PAGE = 20  # when one level is listed
WINDOWS_PER_PAGE = 50
KIOSKS_PER_PAGE = 50
DEPARTMENTS_PER_PAGE = 30
AUDIT_EVENTS_PER_PAGE = 50

V = TypeVar("V", bound=Callable[..., HttpResponse])


# --- error pages ------------------------------------------------------------------------------


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; the icon lives with the static files."""
    return redirect(static("web/favicon.ico"))


# --- citizen portal -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HallGroup:
    level: str
    label: str
    halls: list[Hall]
    next_cursor: str | None


@require_GET
@renders_application_errors
def portal_home(request: HttpRequest) -> HttpResponse:
    """Public home: the service search box and the service halls, grouped by level."""
    form = HallSearchForm(request.GET)
    valid = form.is_valid()  # invalid fields are reported on the page and left out of the filter
    level = form.cleaned_data.get("level") or ""
    q = form.cleaned_data.get("q") or ""
    cursor = (form.cleaned_data.get("cursor") or None) if level else None
    groups: list[HallGroup] = []
    for value, label in HallLevel.choices:
        if level and value != level:
            continue
        page = orgs_selectors.hall_list(
            level=value, q=q or None, cursor=cursor, limit=HALLS_PER_PAGE if level else HALLS_PREVIEW
        )
        if page.items or level:
            groups.append(HallGroup(value, label, page.items, page.next_cursor))
    context = {
        "form": form,
        "groups": groups,
        "level": level,
        "level_choices": HallLevel.choices,
        "q": q,
        "paged": bool(cursor),
        # The catalog context will serve the service search; until then the box says so (no dead link).
        "service_search_url": resolve_first("catalog:search", "catalog:guide_list"),
        "appeal_url": resolve_first("appeals:new"),
    }
    return render(request, "web/portal/home.html", context, status=200 if valid else 400)


@require_GET
@renders_application_errors
def hall_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public: one hall, its windows and its self-service kiosks."""
    hall = orgs_selectors.hall_get(code=code)
    windows = orgs_selectors.window_list(
        hall=hall, cursor=request.GET.get("cursor") or None, limit=WINDOWS_PER_PAGE
    )
    kiosks = orgs_selectors.kiosk_list(hall=hall, limit=KIOSKS_PER_PAGE)
    context = {"hall": hall, "windows": windows, "kiosks": kiosks, "paged": bool(request.GET.get("cursor"))}
    return render(request, "web/portal/hall_detail.html", context)


# --- staff workbench ----------------------------------------------------------------------------


def greeting(now: Any = None) -> str:
    hour = timezone.localtime(now).hour
    if 5 <= hour < 11:
        return "上午好"
    if 11 <= hour < 13:
        return "中午好"
    if 13 <= hour < 18:
        return "下午好"
    return "晚上好"


@require_GET
@staff_required
def workbench_home(request: HttpRequest) -> HttpResponse:
    """My to-do: the count of each queue I work, each a link to that queue filtered the same way."""
    context = {"greeting": greeting(), "todo": todo_items(user=request.user)}
    return render(request, "web/workbench/home.html", context)


@sensitive_post_parameters("old_password", "new_password", "new_password2")
@require_http_methods(["GET", "POST"])
@staff_required
def profile(request: HttpRequest) -> HttpResponse:
    """My profile: who I am, my roles and scopes, masked personal data, password change."""
    user: Any = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_change_own_password(
                request=request,
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except (errors.ValidationFailed, errors.RateLimited) as error:
            form.add_service_error(error)
        else:
            update_session_auth_hash(request, user)  # stay logged in (and second-factor verified)
            messages.success(request, "密码已修改，请在下次登录时使用新密码。")
            return redirect("web:profile")
    context = {
        "form": form,
        "assignments": identity_selectors.user_assignments(user=user),
        "masked_mobile": mask_mobile(user.mobile) if user.mobile else "",
        "masked_id_number": mask_id_number(user.id_number) if user.id_number else "",
        "has_otp_device": user_has_device(user, confirmed=True),
        "password_rules": password_validation.password_validators_help_texts(),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "web/workbench/profile.html", context, status=status)


@require_GET
@staff_required
def workbench_orgs(request: HttpRequest) -> HttpResponse:
    """组织机构: departments in tree order, searchable, keyset-paginated."""
    q = (request.GET.get("q") or "").strip()[:64]
    cursor = request.GET.get("cursor") or None
    page = orgs_selectors.department_list(q=q or None, cursor=cursor, limit=DEPARTMENTS_PER_PAGE)
    context = {"page": page, "q": q, "paged": bool(cursor)}
    return render(request, "web/workbench/orgs.html", context)


@require_GET
@staff_required
def workbench_audit(request: HttpRequest) -> HttpResponse:
    """审计日志: the audit chain within the user's `identity.view_auditevent` scope, newest first."""
    form = AuditFilterForm(request.GET)
    page = None
    status = 200
    if form.is_valid():
        filters = audit_selectors.AuditEventFilters(
            action=form.cleaned_data["action"],
            actor=form.cleaned_data["actor"],
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
        try:
            page = audit_selectors.audit_event_list(
                user=request.user,
                filters=filters,
                cursor=request.GET.get("cursor") or None,
                limit=AUDIT_EVENTS_PER_PAGE,
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
    if page is None:
        status = 400
        audit_selectors.audit_event_list(user=request.user, limit=1)  # permission first: 403 beats 400
    context = {"form": form, "page": page, "paged": bool(request.GET.get("cursor"))}
    return render(request, "web/workbench/audit.html", context, status=status)
