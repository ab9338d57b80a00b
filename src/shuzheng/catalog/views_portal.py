"""The public 办事指南: browse, search, one guide, a printable guide.

Thin: read through selectors, render. Application errors become Chinese pages (web/error.html), or
problem+json for JSON clients.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from shuzheng.catalog import selectors
from shuzheng.catalog.constants import GuideGroupKind
from shuzheng.catalog.forms_portal import GuideFilterForm
from shuzheng.catalog.views_common import guide_facts
from shuzheng.identity.page_access import renders_application_errors

GUIDES_PER_PAGE = 20


def _apply_url(code: str) -> str | None:
    """The online application page of the cases context, once it exists."""
    try:
        return reverse("cases:apply", args=[code])
    except NoReverseMatch:
        return None


def _browse(request: HttpRequest, *, search: bool) -> HttpResponse:
    departments = selectors.guide_departments()
    groups = selectors.guide_groups()
    form = GuideFilterForm(request.GET, departments=departments, groups=groups)
    valid = form.is_valid()
    filters = form.filters() if valid else {}
    cursor = (request.GET.get("cursor") or None) if valid else None  # a bad filter restarts the list
    page = selectors.guide_list(**filters, cursor=cursor, limit=GUIDES_PER_PAGE)
    if search and not filters.get("q"):
        page = page.__class__(items=[], next_cursor=None)
    city_departments = [d for d in departments if d.department.division.level == "city"]
    town_departments = [d for d in departments if d.department.division.level != "city"]
    context = {
        "form": form,
        "page": page,
        "q": (filters.get("q") or "") if valid else "",
        "search": search,
        "filtered": any(v is not None for v in filters.values()),
        "paged": bool(cursor),
        "life_events": [g for g in groups if g.kind == GuideGroupKind.LIFE_EVENT],
        "topics": [g for g in groups if g.kind == GuideGroupKind.TOPIC],
        "city_departments": city_departments,
        "town_departments": town_departments,
        "current_group": next((g for g in groups if g.code == filters.get("group")), None),
    }
    return render(request, "catalog/guide_list.html", context, status=200 if valid else 400)


@require_GET
@renders_application_errors
def guide_list(request: HttpRequest) -> HttpResponse:
    """Public: browse guides by life event, topic, department and level, with filters."""
    return _browse(request, search=False)


@require_GET
@renders_application_errors
def search(request: HttpRequest) -> HttpResponse:
    """Public: full-text search of the guides (/guide/search/?q=营业执照)."""
    return _browse(request, search=True)


@require_GET
@renders_application_errors
def guide_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Public: one guide with everything an applicant needs to know."""
    version = selectors.guide_get(code)
    context = {
        **guide_facts(version),
        "halls": selectors.halls_for(version),
        "apply_url": _apply_url(version.code) if "portal" in version.channels else None,
    }
    return render(request, "catalog/guide_detail.html", context)


@require_GET
@renders_application_errors
def guide_print(request: HttpRequest, code: str) -> HttpResponse:
    """Public: the guide on one printable page (no navigation)."""
    version = selectors.guide_get(code)
    context = {**guide_facts(version), "halls": selectors.halls_for(version)}
    return render(request, "catalog/guide_print.html", context)
