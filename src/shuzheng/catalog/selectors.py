"""Reads of the catalog.

Public (no login): the live versions — the 办事指南 — through ``guide_list``, ``guide_get``,
``guide_groups`` and ``guide_departments``; ``version_for_application`` gives the cases context the
version a new application is filed under (``version_for_filing`` the same for the submission itself).

Staff: items and versions of every status, filtered by the data scope of the catalog permissions
(``catalog.view_serviceitemversion``, ``change_…`` or ``publish_…``) over the item's implementing
department; an item outside the scope is not found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from shuzheng.catalog.constants import (
    EDIT_PERM,
    PUBLISH_PERM,
    SEARCH_DOC_TYPE,
    VIEW_PERM,
    VersionStatus,
)
from shuzheng.catalog.models import (
    GuideGroup,
    MaterialRequirement,
    ServiceItem,
    ServiceItemVersion,
    WorkflowStep,
)
from shuzheng.core import fulltext
from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import MalformedRequest, NotFound, PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, keyset_page
from shuzheng.identity.actors import Actor
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department

GUIDE_ORDER: Final = ("-high_frequency", "code", "id")
ITEM_ORDER: Final = ("code",)
#: A search ranks at most this many guides; its pages walk through that ranked list.
SEARCH_LIMIT: Final = 200
STAFF_PERMS: Final = (VIEW_PERM, EDIT_PERM, PUBLISH_PERM)
_SEARCH_CURSOR = re.compile(r"^s(\d{1,4})$")


def _steps() -> Any:
    return Prefetch("steps", queryset=WorkflowStep.objects.select_related("department"))


# --- public: guides -------------------------------------------------------------------------------


def guide_queryset(
    *,
    department: str | None = None,
    group: str | None = None,
    level: str | None = None,
    audience: str | None = None,
    item_type: str | None = None,
    high_frequency: bool | None = None,
) -> QuerySet[ServiceItemVersion]:
    """Live versions, filtered. ``department`` is a department code and takes in its sub-units;
    ``group`` a guide group code; ``audience`` "person" or "enterprise"."""
    qs = ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("department")
    if department:
        path = orgs_selectors.department_path(department)
        qs = qs.filter(department__path__startswith=path) if path else qs.none()
    if group:
        qs = qs.filter(guide_groups__code=group.strip())
    if level:
        qs = qs.filter(level=level)
    if audience:
        # applicant_types is a short JSON list such as ["person", "enterprise"]; match the quoted value.
        qs = qs.filter(applicant_types__icontains=f'"{audience}"')
    if item_type:
        qs = qs.filter(item_type=item_type)
    if high_frequency is not None:
        qs = qs.filter(high_frequency=high_frequency)
    return qs


def _search_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    match = _SEARCH_CURSOR.match(cursor)
    if not match:
        raise MalformedRequest("分页游标无效，请从第一页重新开始。", code="invalid_cursor")
    return int(match.group(1))


def guide_list(
    *,
    department: str | None = None,
    group: str | None = None,
    level: str | None = None,
    audience: str | None = None,
    item_type: str | None = None,
    high_frequency: bool | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ServiceItemVersion]:
    """Public: live guides, high-frequency first then by code; with ``q``, the full-text matches best
    first (at most ``SEARCH_LIMIT``), narrowed by the same filters."""
    qs = guide_queryset(
        department=department,
        group=group,
        level=level,
        audience=audience,
        item_type=item_type,
        high_frequency=high_frequency,
    )
    text = (q or "").strip()[:100]
    if not text:
        return keyset_page(qs, order=GUIDE_ORDER, cursor=cursor, limit=limit)
    if not 1 <= limit <= MAX_LIMIT:
        raise MalformedRequest(f"每页条数应在 1 到 {MAX_LIMIT} 之间。", code="invalid_limit")
    offset = _search_offset(cursor)
    codes = fulltext.search(SEARCH_DOC_TYPE, text, limit=SEARCH_LIMIT)
    rank = {code: i for i, code in enumerate(codes)}
    matching = set(qs.filter(code__in=codes).order_by().values_list("code", flat=True))
    wanted = [c for c in codes if c in matching]
    window = wanted[offset : offset + limit]
    rows = sorted(qs.filter(code__in=window), key=lambda v: rank[v.code])
    more = offset + limit < len(wanted)
    return Page(items=rows, next_cursor=f"s{offset + limit}" if more else None)


def guide_search(q: str, *, limit: int = 50) -> list[ServiceItemVersion]:
    """Public: the best matches of a full-text query, best first."""
    return guide_list(q=q, limit=limit).items if (q or "").strip() else []


def guide_get(code: str) -> ServiceItemVersion:
    """Public: the live version of an item, with materials, steps and guide groups."""
    version = (
        ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, code=(code or "").strip())
        .select_related("department__division")
        .prefetch_related("materials", _steps(), "guide_groups")
        .first()
    )
    if version is None:
        raise NotFound("办事指南不存在，或该事项已停止办理。")
    return version


def version_for_application(code: str) -> ServiceItemVersion:
    """The version a new application for item `code` is filed under (the live one), with materials and
    steps prefetched; NotFound when the item does not exist or has no live version."""
    version = (
        ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, code=(code or "").strip())
        .select_related("item", "department__division")
        .prefetch_related("materials", _steps())
        .first()
    )
    if version is None:
        raise NotFound("事项不存在或未发布，暂不能申请。", code="item_not_available")
    return version


def version_for_filing(code: str) -> ServiceItemVersion:
    """`version_for_application` as the submission itself reads it (the hot path of filing): the version
    with its department and division and its materials, ordered by position alone — the model's default
    order, by version, joined two tables to sort the rows of one version — and without its workflow
    steps, which filing does not read."""
    materials = MaterialRequirement.objects.order_by("position", "id")
    version = (
        ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, code=(code or "").strip())
        .select_related("department__division")
        .prefetch_related(Prefetch("materials", queryset=materials))
        .order_by("-number")  # the default order, by item then number, joins the item as well
        .first()
    )
    if version is None:
        raise NotFound("事项不存在或未发布，暂不能申请。", code="item_not_available")
    return version


def guide_groups(*, kind: str | None = None, audience: str | None = None) -> list[GuideGroup]:
    """Public: life events and topics, each annotated with ``live_count`` (its live guides)."""
    qs = GuideGroup.objects.annotate(
        live_count=Count("versions", filter=Q(versions__status=VersionStatus.PUBLISHED))
    )
    if kind:
        qs = qs.filter(kind=kind)
    if audience:
        qs = qs.filter(audience=audience)
    return list(qs.order_by("kind", "position", "code"))


def guide_group_get(code: str) -> GuideGroup:
    group = GuideGroup.objects.filter(code=(code or "").strip()).first()
    if group is None:
        raise NotFound("主题分类不存在。")
    return group


@dataclass(frozen=True)
class DepartmentGuides:
    department: Department
    count: int


def guide_departments() -> list[DepartmentGuides]:
    """Public: departments that implement live items (sub-units counted on their own), in tree order."""
    counts = dict(
        ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .values_list("department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    departments = (
        orgs_selectors.department_queryset(include_inactive=True).filter(pk__in=counts).order_by("path")
    )
    return [DepartmentGuides(d, counts[d.pk]) for d in departments]


def halls_for(version: ServiceItemVersion, *, limit: int = 6) -> list[Any]:
    """Public: the service halls where the item is handled — those of the implementing department's
    division (the city hall for city items, the town hall for town items)."""
    return orgs_selectors.hall_list(division=version.department.division_id, limit=limit).items


# --- staff ------------------------------------------------------------------------------------------


def _require_staff(user: User | AnonymousUser) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if not any(user.has_perm(p) for p in STAFF_PERMS):
        raise PermissionDenied("没有查看事项管理的权限（catalog.view_serviceitemversion）。")


def staff_scope_q(user: User | AnonymousUser, path: str = "department") -> Q:
    """Rows whose department (at `path`) lies in the union of the user's catalog scopes."""
    condition = Q(pk__in=[])
    for perm in STAFF_PERMS:
        if user.has_perm(perm):
            scope = data_scope_for(user, perm)
            if scope.is_all:
                return Q()  # (Q(pk__in=[]) | Q() would keep only the first, matching nothing)
            condition |= scope.q(department=path)
    return condition


def item_list(
    *,
    user: User | AnonymousUser,
    status: str | None = None,
    department: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ServiceItem]:
    """Staff: items in scope, by code. ``status``: "live" (has a live version), "draft" (has a draft),
    "retired" (no live version). Rows carry ``title`` (the name of the newest version) and ``draft_id``."""
    _require_staff(user)
    newest = ServiceItemVersion.objects.filter(item=OuterRef("pk")).order_by("-number")
    draft = ServiceItemVersion.objects.filter(item=OuterRef("pk"), status=VersionStatus.DRAFT)
    qs = (
        ServiceItem.objects.filter(staff_scope_q(user))
        .select_related("department", "live_version")
        .annotate(
            title=Coalesce(Subquery(newest.values("name")[:1]), "code"),
            draft_id=Subquery(draft.values("pk")[:1]),
        )
    )
    if status == "live":
        qs = qs.filter(live_version__isnull=False)
    elif status == "draft":
        qs = qs.filter(versions__status=VersionStatus.DRAFT)
    elif status == "retired":
        qs = qs.filter(live_version__isnull=True, versions__status=VersionStatus.RETIRED).distinct()
    elif status:
        raise MalformedRequest("状态应为 live、draft 或 retired。", code="invalid_status")
    if department:
        path = orgs_selectors.department_path(department)
        qs = qs.filter(department__path__startswith=path) if path else qs.none()
    text = (q or "").strip()[:64]
    if text:
        qs = qs.filter(Q(code__istartswith=text) | Q(versions__name__icontains=text)).distinct()
    return keyset_page(qs, order=ITEM_ORDER, cursor=cursor, limit=limit)


def item_get(*, user: User | AnonymousUser, code: str) -> ServiceItem:
    """Staff: one item in scope (NotFound otherwise), with its live version."""
    _require_staff(user)
    item = (
        ServiceItem.objects.filter(staff_scope_q(user), code=(code or "").strip())
        .select_related("department__division", "live_version")
        .first()
    )
    if item is None:
        raise NotFound("事项不存在或不在您的数据范围内。")
    return item


def version_history(*, user: User | AnonymousUser, item: ServiceItem) -> list[ServiceItemVersion]:
    """Staff: every version of an item, newest first."""
    _require_staff(user)
    return list(item.versions.select_related("department", "published_by").order_by("-number"))


def version_get(*, user: User | AnonymousUser, id: int) -> ServiceItemVersion:
    """Staff: one version of any status in scope, with its children."""
    _require_staff(user)
    version = (
        ServiceItemVersion.objects.filter(staff_scope_q(user, "item__department"), pk=id)
        .select_related("item__department__division", "department__division", "published_by")
        .prefetch_related("materials", _steps(), "guide_groups")
        .first()
    )
    if version is None:
        raise NotFound("事项版本不存在或不在您的数据范围内。")
    return version


def versions_for_export(*, user: Actor) -> QuerySet[ServiceItemVersion]:
    """The current version of each item in scope (its draft if it has one, else its live version), by code.

    The platform itself (management commands) exports every item.
    """
    with_draft = ServiceItemVersion.objects.filter(status=VersionStatus.DRAFT).values("item_id")
    result = ServiceItemVersion.objects.filter(
        Q(status=VersionStatus.DRAFT) | (Q(status=VersionStatus.PUBLISHED) & ~Q(item_id__in=with_draft))
    )
    if not isinstance(user, SystemActor):
        _require_staff(user)
        result = result.filter(staff_scope_q(user, "item__department"))
    return (
        result.select_related("department")
        .prefetch_related("materials", _steps(), "guide_groups")
        .order_by("code")
    )


def editable_departments(user: User | AnonymousUser) -> list[Department]:
    """Staff: active departments where the user may create and edit items (for the workbench forms)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(EDIT_PERM):
        return []
    scope = data_scope_for(user, EDIT_PERM)
    departments = orgs_selectors.department_queryset().order_by("path")
    return [d for d in departments if scope.covers_department(d)]


# --- for other contexts ---------------------------------------------------------------------------


def workflow_steps(version_id: int) -> list[WorkflowStep]:
    """A version's workflow steps in order, with their departments (cases walks a case through them)."""
    return list(
        WorkflowStep.objects.filter(version_id=version_id).select_related("department").order_by("position")
    )


def draft_source(item: ServiceItem) -> ServiceItemVersion | None:
    """The version a new draft of `item` copies: the live one, else the newest (an item that was retired)."""
    return item.live_version or item.versions.order_by("-number").first()
