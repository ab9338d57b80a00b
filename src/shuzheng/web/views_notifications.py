"""The notification centre: the caller's own inbox in the portal and in the workbench, mark read.

The pages are the same list in the two layouts; marking read is one POST that then goes on to `next`
(the notification's subject, or back to the list) when that is a URL of this site.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from shuzheng.core import notifications
from shuzheng.identity.constants import UserKind
from shuzheng.identity.page_access import person_required, staff_required

NOTIFICATIONS_PER_PAGE = 20


def inbox_url(user: Any) -> str:
    """Staff read their notifications in the workbench, everybody else in the portal."""
    staff = getattr(user, "kind", None) == UserKind.STAFF
    return reverse("web:workbench_notifications" if staff else "web:notifications")


def _inbox(request: HttpRequest, template: str) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    cursor = request.GET.get("cursor") or None
    page = notifications.notification_list(
        recipient=request.user, unread_only=unread_only, cursor=cursor, limit=NOTIFICATIONS_PER_PAGE
    )
    context = {
        "page": page,
        "unread_only": unread_only,
        "paged": bool(cursor),
        "list_url": request.path,
    }
    return render(request, template, context)


@require_GET
@person_required
def portal_notifications(request: HttpRequest) -> HttpResponse:
    return _inbox(request, "web/portal/notifications.html")


@require_GET
@staff_required
def workbench_notifications(request: HttpRequest) -> HttpResponse:
    return _inbox(request, "web/workbench/notifications.html")


def _go_on(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if safe and target else inbox_url(request.user))


@require_POST
@person_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks one of my notifications read, then opens its subject (or returns to the list)."""
    notifications.notification_get(recipient=request.user, notification_id=notification_id)
    notifications.notification_mark_read(recipient=request.user, notification_id=notification_id)
    return _go_on(request)


@require_POST
@person_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications.notification_mark_all_read(recipient=request.user)
    return _go_on(request)
