"""Reads of the bundles context.

Public: the live bundles (browse by life event / enterprise stage, search), one bundle's guide with its
members, combined form, materials list and 免填写 count. Applicants: their own applications with each child's
state. Staff: bundles of every status within the data scope of the bundle permissions over the lead
department. Indicator 4: `published_bundle_count`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db.models import OuterRef, Q, QuerySet, Subquery

from shuzheng.bundles import rules
from shuzheng.bundles.constants import (
    EDIT_PERM,
    PUBLISH_PERM,
    SEARCH_DOC_TYPE,
    SYNTHETIC_PREFIX,
    VIEW_PERM,
    ChildStatus,
)
from shuzheng.bundles.models import Bundle, BundleApplication, BundleChild, BundleVersion
from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.constants import CaseStatus
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.catalog.constants import VersionStatus
from shuzheng.core import fulltext
from shuzheng.core.errors import MalformedRequest, NotFound, PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
    from shuzheng.catalog.models import ServiceItemVersion

STAFF_PERMS: Final = (VIEW_PERM, EDIT_PERM, PUBLISH_PERM)
LIST_ORDER: Final = ("code", "id")
SEARCH_LIMIT: Final = 100


def published_bundle_count() -> int:
    """Indicator 4 (“一件事”主题集成服务数量): bundles with a live version, synthetic ones left out."""
    return (
        Bundle.objects.filter(live_version__isnull=False).exclude(code__startswith=SYNTHETIC_PREFIX).count()
    )


def live_item(code: str) -> ServiceItemVersion | None:
    """The live version of an item, or None when it has none (retired since)."""
    try:
        return catalog_selectors.version_for_application(code)
    except NotFound:
        return None


# --- public ------------------------------------------------------------------------------------------


def live_queryset(*, theme: str | None = None, audience: str | None = None) -> QuerySet[BundleVersion]:
    qs = (
        BundleVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("lead_department")
        .prefetch_related("members")
    )
    if theme:
        qs = qs.filter(theme=theme)
    if audience:
        qs = qs.filter(audience=audience)
    return qs


def bundle_list(
    *,
    theme: str | None = None,
    audience: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[BundleVersion]:
    """Public: live bundles by code; with ``q`` the full-text matches, best first (one page)."""
    qs = live_queryset(theme=theme, audience=audience)
    text = (q or "").strip()[:100]
    if not text:
        return keyset_page(qs, order=LIST_ORDER, cursor=cursor, limit=limit)
    if cursor:
        raise MalformedRequest("搜索结果只有一页。", code="invalid_cursor")
    codes = fulltext.search(SEARCH_DOC_TYPE, text, limit=SEARCH_LIMIT)
    rank = {c: i for i, c in enumerate(codes)}
    rows = sorted(qs.filter(code__in=codes)[: max(1, min(limit, SEARCH_LIMIT))], key=lambda v: rank[v.code])
    return Page(items=rows, next_cursor=None)


def live_version(code: str) -> BundleVersion:
    """Public: the live version of bundle `code` with its members; NotFound when none."""
    version = (
        live_queryset()
        .filter(code=(code or "").strip())
        .select_related("lead_department")
        .prefetch_related("members__item")
        .first()
    )
    if version is None:
        raise NotFound("一件事主题不存在或已停止办理。", code="bundle_not_available")
    return version


@dataclass
class MemberGuide:
    position: int
    item_code: str
    live: ServiceItemVersion | None
    waits_for: int | None
    mapping: dict[str, str]
    own_fields: list[str]
    fields_alone: int = 0
    fields_left: int = 0


@dataclass
class BundleGuide:
    version: BundleVersion
    members: list[MemberGuide]
    materials: list[rules.MaterialEntry]
    shared_typed: int
    fields_before: int = 0
    fields_after: int = 0
    retired: list[str] = field(default_factory=list)
    automatic: list[tuple[str, str]] = field(default_factory=list)  # (field title, where it comes from)

    @property
    def available(self) -> bool:
        return not self.retired

    @property
    def own_questions(self) -> list[tuple[MemberGuide, list[tuple[str, dict[str, Any]]]]]:
        """Per member, (field name, its schema) of what the member asks itself."""
        result = []
        for m in self.members:
            props = ((m.live.form_schema if m.live else {}) or {}).get("properties") or {}
            result.append((m, [(n, props[n]) for n in m.own_fields if n in props]))
        return result


def guide(version: BundleVersion) -> BundleGuide:
    """Everything the guide page and the application form need: members with their live versions, the
    de-duplicated materials list, and what the applicant types without the bundle and with it (免填写)."""
    members: list[MemberGuide] = []
    retired = []
    for member in version.members.all():
        live = live_item(member.item.code)
        if live is None:
            retired.append(member.item.code)
        members.append(
            MemberGuide(
                member.position, member.item.code, live, member.waits_for, member.mapping, member.own_fields
            )
        )
    entries = rules.materials_list([(m.position, m.live) for m in members if m.live is not None])
    result = BundleGuide(
        version=version, members=members, materials=entries, shared_typed=len(version.shared_fields)
    )
    after = len(version.shared_fields) - len(rules.prefilled_names(version.shared_fields))
    before = 0
    for m in members:
        if m.live is None:
            continue
        m.fields_alone, m.fields_left = rules.typed_fields(
            mapping=m.mapping, own_fields=m.own_fields, child_schema=m.live.form_schema
        )
        before += m.fields_alone
        after += m.fields_left
    result.fields_before, result.fields_after, result.retired = before, after, retired
    result.automatic = [
        (str(f["schema"].get("title") or f["name"]), rules.source_label(f["source"]))
        for f in version.shared_fields
        if f.get("source")
    ]
    return result


# --- applicants ----------------------------------------------------------------------------------------


@dataclass
class ChildView:
    child: BundleChild
    case_status: str
    case_status_label: str
    case_id: int | None
    correction: Any = None


def my_applications(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[BundleApplication]:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    qs = BundleApplication.objects.filter(applicant=user).select_related("version")
    return keyset_page(qs, order=("-received_at", "-id"), cursor=cursor, limit=limit)


def application_get(*, user: Any, number: str) -> BundleApplication:
    """The applicant's own application (anyone else: NotFound), with its version."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    found = (
        BundleApplication.objects.select_related("version", "applicant")
        .filter(number=(number or "").strip(), applicant_id=user.pk)
        .first()
    )
    if found is None:
        raise NotFound("一件事申请不存在。")
    return found


def children_of(application: BundleApplication) -> list[ChildView]:
    """Each child with its case's current status (read through the cases selectors) and open 补正."""
    views = []
    for child in application.children.order_by("position"):
        case = (
            cases_selectors.applicant_case(applicant_id=application.applicant_id, case_id=child.case_id)
            if child.case_id
            else None
        )
        if case is None:
            label = ChildStatus(child.status).label
            views.append(ChildView(child, child.status, label, None))
            continue
        correction = (
            cases_selectors.open_correction(case) if case.status == CaseStatus.CORRECTION_REQUESTED else None
        )
        views.append(ChildView(child, case.status, CaseStatus(case.status).label, case.pk, correction))
    return views


def history_of(application: BundleApplication) -> list[Any]:
    return list(application.history.order_by("occurred_at", "id"))


# --- staff ---------------------------------------------------------------------------------------------


def _require_staff(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    if not any(user.has_perm(p) for p in STAFF_PERMS):
        raise PermissionDenied("没有查看一件事主题的权限（bundles.view_bundleversion）。")


def staff_scope_q(user: Any, path: str = "lead_department") -> Q:
    condition = Q(pk__in=[])
    for perm in STAFF_PERMS:
        if user.has_perm(perm):
            scope = data_scope_for(user, perm)
            if scope.is_all:
                return Q()
            condition |= scope.q(department=path)
    return condition


def staff_bundle_list(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[BundleVersion]:
    """Staff: the newest version of each bundle whose lead department is in scope, by code."""
    _require_staff(user)
    newest = BundleVersion.objects.filter(bundle=OuterRef("bundle")).order_by("-number").values("pk")[:1]
    qs = BundleVersion.objects.filter(staff_scope_q(user), pk=Subquery(newest)).select_related(
        "lead_department", "bundle"
    )
    return keyset_page(qs, order=LIST_ORDER, cursor=cursor, limit=limit)


def staff_versions(*, user: Any, code: str) -> list[BundleVersion]:
    """Staff: every version of one bundle in scope, newest first; NotFound outside the scope."""
    _require_staff(user)
    versions = list(
        BundleVersion.objects.filter(staff_scope_q(user), code=(code or "").strip())
        .select_related("lead_department", "bundle")
        .prefetch_related("members__item")
        .order_by("-number")
    )
    if not versions:
        raise NotFound("一件事主题不存在或不在您的数据范围内。")
    return versions


def staff_version_get(*, user: Any, id: int) -> BundleVersion:
    _require_staff(user)
    version = (
        BundleVersion.objects.filter(staff_scope_q(user), pk=id)
        .select_related("lead_department", "bundle")
        .prefetch_related("members__item")
        .first()
    )
    if version is None:
        raise NotFound("一件事主题版本不存在或不在您的数据范围内。")
    return version


@dataclass
class StaffChild:
    child: BundleChild
    case: Any  # the child's case when it is in the clerk's scope, else None
    status_label: str


def staff_application_get(*, user: Any, number: str) -> tuple[BundleApplication, list[StaffChild]]:
    """Staff: an application found by its number or by the number of one of its child cases, visible when
    at least one child case lies in the user's case scope (NotFound otherwise); each child with its case
    when that case is in scope too (the clerk acts on those only)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录。")
    text = (number or "").strip()[:40]
    application = BundleApplication.objects.select_related("version").filter(number=text).first()
    if application is None:
        case_id = cases_selectors.case_id_by_number(text)
        child = BundleChild.objects.filter(case_id=case_id).first() if case_id else None
        application = child.application if child is not None else None
    if application is None:
        raise NotFound("一件事申请不存在或不在您的数据范围内。")
    rows = []
    for child in application.children.order_by("position"):
        case = None
        if child.case_id:
            try:
                case = cases_selectors.case_get(user=user, case_id=child.case_id)
            except NotFound:
                case = None
        label = CaseStatus(case.status).label if case is not None else ChildStatus(child.status).label
        rows.append(StaffChild(child, case, label))
    if not any(r.case is not None for r in rows):
        raise NotFound("一件事申请不存在或不在您的数据范围内。")
    return application, rows
