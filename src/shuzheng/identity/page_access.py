"""Who may open a page, and how application errors look on one: the decorators every context's views use.

Staff pages need a logged-in staff account (the second factor is enforced earlier by
StaffSecondFactorMiddleware); portal pages a logged-in person. An ApplicationError raised by a view
becomes the Chinese error page (web/error.html), or problem+json for a JSON client.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from shuzheng.core import errors
from shuzheng.core.api import problem_response
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.middleware import wants_json
from shuzheng.identity.models import User

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def problem_page(request: HttpRequest, error: errors.ApplicationError) -> HttpResponse:
    """The error as the Chinese error page, or problem+json for JSON clients."""
    if wants_json(request):
        return problem_response(request, error)
    problem = error.to_problem(instance=request.path, request_id=getattr(request, "request_id", ""))
    return render(request, "web/error.html", {"problem": problem}, status=error.status)


def renders_application_errors(view: V) -> V:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except errors.ApplicationError as error:
            return problem_page(request, error)

    return wrapper  # type: ignore[return-value]


def staff_required(view: V) -> V:
    """Logged in (else the login page) and a staff account (else a 403 page)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", None) != User.Kind.STAFF:
            return problem_page(request, errors.PermissionDenied("工作台仅供政务工作人员使用。"))
        return view(request, *args, **kwargs)

    return login_required(renders_application_errors(wrapper))  # type: ignore[return-value]


def perm_required(perm: str, what: str) -> Callable[[V], V]:
    """Staff holding ``perm`` (any of several separated by "|"); others see a Chinese 403 page."""
    perms = [p for p in perm.split("|") if p]

    def decorator(view: V) -> V:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(request.user.has_perm(p) for p in perms):
                raise errors.PermissionDenied(f"没有{what}的权限{missing_permission(*perms)}。")
            return view(request, *args, **kwargs)

        return staff_required(wrapper)  # type: ignore[return-value]

    return decorator


def person_required(view: V) -> V:
    """Logged in (else the login page); application errors as pages."""
    return login_required(renders_application_errors(view))
