"""Reads of the licences context, each filtered by who asks.

- staff: seals under ``licences.view_seal`` / ``manage_seal`` and licences under ``licences.view_licence``
  / ``issue_licence`` / ``revoke_licence``, over the seal's or licence's department in the caller's scope;
- holders: their own licences (我的证照) — by account, or by the ID number / USCC of their account;
- indicators: ``seal_coverage()`` (19) and ``licence_use_rate(period)`` (18); bundles' prefill reads
  ``licences_held_by(holder)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Q, QuerySet
from django.utils import timezone

from shuzheng.cases import selectors as cases_selectors
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.catalog.constants import ItemType
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import AuthenticationRequired, NotFound, PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.identity.actors import is_user
from shuzheng.identity.constants import UserKind
from shuzheng.identity.scopes import data_scope_for
from shuzheng.licences.constants import (
    ISSUE_LICENCES,
    MANAGE_SEALS,
    REVOKE_LICENCES,
    VIEW_LICENCES,
    VIEW_SEALS,
    LicenceStatus,
    SealKind,
    SealStatus,
)
from shuzheng.licences.models import (
    DecisionDocument,
    Licence,
    LicenceStatusChange,
    LicenceType,
    LicenceUse,
    Seal,
    SealStatusChange,
    SealUse,
)
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DepartmentKind

if TYPE_CHECKING:
    from shuzheng.identity.models import User

SEAL_PERMS: Final = (VIEW_SEALS, MANAGE_SEALS)
LICENCE_PERMS: Final = (VIEW_LICENCES, ISSUE_LICENCES, REVOKE_LICENCES)
LIST_ORDER: Final = ("-issued_on", "-id")


def _staff_q(user: Any, perms: tuple[str, ...], what: str) -> Q:
    if not is_user(user):
        raise AuthenticationRequired()
    held = [p for p in perms if user.has_perm(p)]
    if not held:
        raise PermissionDenied(f"没有查看{what}的权限。")
    condition = Q(pk__in=[])
    for perm in held:
        scope = data_scope_for(user, perm)
        if scope.is_all:
            return Q()
        condition |= scope.q(department="department")
    return condition


def can_manage_seals(user: Any) -> bool:
    return is_user(user) and user.has_perm(MANAGE_SEALS)


# --- seals ----------------------------------------------------------------------------------------------


def seal_list(
    *, user: Any, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Seal]:
    qs = Seal.objects.filter(_staff_q(user, SEAL_PERMS, "电子印章")).select_related("department", "hall")
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, order=("department__code", "kind", "id"), cursor=cursor, limit=limit)


def seal_get(*, user: Any, seal_id: int) -> Seal:
    found = (
        Seal.objects.filter(_staff_q(user, SEAL_PERMS, "电子印章"))
        .select_related("department", "hall", "authority")
        .filter(pk=seal_id)
        .first()
    )
    if found is None:
        raise NotFound("电子印章不存在或不在您的数据范围内。")
    return found


def seal_history(seal: Seal) -> list[SealStatusChange]:
    return list(seal.history.select_related("actor").order_by("occurred_at", "id"))


def seal_uses(seal: Seal, *, limit: int = 50) -> list[SealUse]:
    return list(seal.uses.select_related("actor").order_by("-used_at", "-id")[:limit])


def government_departments() -> QuerySet[Any]:
    """Active government departments; 12345 member units (utilities, carriers, bus, post: orgs'
    ``DepartmentKind.MEMBER_UNIT``) are not government departments."""
    return orgs_selectors.department_queryset().filter(kind=DepartmentKind.GOVERNMENT)


def valid_seal_q(now: Any = None) -> Q:
    moment = now or timezone.now()
    return Q(status=SealStatus.ACTIVE, valid_from__lte=moment, valid_until__gt=moment)


def seal_coverage(*, at: Any = None) -> tuple[int, int]:
    """Indicator 19: (government departments with a valid official seal, all government departments)."""
    departments = government_departments()
    covered = (
        Seal.objects.filter(valid_seal_q(at), kind=SealKind.OFFICIAL, department__in=departments.values("pk"))
        .values("department_id")
        .distinct()
        .count()
    )
    return covered, departments.count()


def departments_without_seal(*, at: Any = None) -> list[Any]:
    """Indicator 19's drill-down: the government departments counted by ``seal_coverage`` that hold no valid
    official seal, by code."""
    sealed = Seal.objects.filter(valid_seal_q(at), kind=SealKind.OFFICIAL).values("department_id")
    return list(government_departments().exclude(pk__in=sealed).order_by("code"))


# --- licences -------------------------------------------------------------------------------------------


def _holder_q(user: User) -> Q:
    """A holder's licences: issued to the account, or to its ID number or (for an enterprise agent) its
    enterprise's USCC."""
    condition = Q(holder_user_id=user.pk)
    codes = [user.id_number]
    if user.kind == UserKind.ENTERPRISE_AGENT:
        codes.append(user.enterprise_uscc)
    indexes = [blind_index(code) for code in codes if code]
    if indexes:
        condition |= Q(holder_code_index__in=indexes)
    return condition


def licences_held_by(holder: Any, *, valid_only: bool = True) -> list[Licence]:
    """The licences a citizen or enterprise account holds (for the wallet and bundles' prefill, 免提交)."""
    if not is_user(holder):
        return []
    qs = Licence.objects.filter(_holder_q(holder)).select_related("licence_type", "department")
    if valid_only:
        qs = qs.filter(status=LicenceStatus.VALID).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate())
        )
    return list(qs.order_by(*LIST_ORDER))


def my_licences(*, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Licence]:
    if not is_user(user):
        raise AuthenticationRequired()
    qs = Licence.objects.filter(_holder_q(user)).select_related("licence_type", "department").defer("pdf")
    return keyset_page(qs, order=LIST_ORDER, cursor=cursor, limit=limit)


def licence_list(
    *, user: Any, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Licence]:
    """Staff: licences issued by departments in scope."""
    qs = (
        Licence.objects.filter(_staff_q(user, LICENCE_PERMS, "电子证照"))
        .select_related("licence_type", "department")
        .defer("pdf")
    )
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, order=LIST_ORDER, cursor=cursor, limit=limit)


def licence_get(*, user: Any, licence_id: int) -> Licence:
    """The holder's own licence, or one in a staff member's scope; anything else is not found."""
    if not is_user(user):
        raise AuthenticationRequired()
    qs = Licence.objects.select_related("licence_type", "department__division", "seal__authority").filter(
        pk=licence_id
    )
    own = qs.filter(_holder_q(user)).first()
    if own is not None:
        return own
    if user.kind == UserKind.STAFF and any(user.has_perm(p) for p in LICENCE_PERMS):
        found = qs.filter(_staff_q(user, LICENCE_PERMS, "电子证照")).first()
        if found is not None:
            return found
    raise NotFound("电子证照不存在或不属于您。")


def is_holder(user: Any, licence: Licence) -> bool:
    return is_user(user) and Licence.objects.filter(_holder_q(user), pk=licence.pk).exists()


def licence_history(licence: Licence) -> list[LicenceStatusChange]:
    return list(licence.history.order_by("occurred_at", "id"))


def licence_uses(licence: Licence, *, limit: int = 100) -> list[LicenceUse]:
    return list(licence.uses.select_related("case", "item", "used_by").order_by("-used_at", "-id")[:limit])


def licence_types(*, active_only: bool = True) -> list[LicenceType]:
    qs = LicenceType.objects.select_related("department")
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("name", "code"))


def licence_type_get(type_id: int) -> LicenceType:
    found = (
        LicenceType.objects.select_related("department__division").filter(pk=type_id, is_active=True).first()
    )
    if found is None:
        raise NotFound("证照类型不存在。")
    return found


def issuable_types(user: Any) -> list[LicenceType]:
    """Types whose issuing department lies in the user's ``issue_licence`` scope."""
    if not is_user(user) or not user.has_perm(ISSUE_LICENCES):
        return []
    scope = data_scope_for(user, ISSUE_LICENCES)
    return list(
        scope.filter(LicenceType.objects.filter(is_active=True), department="department").order_by("name")
    )


# --- decision documents ---------------------------------------------------------------------------------


def decision_documents_for_case(case_id: int) -> list[DecisionDocument]:
    return list(DecisionDocument.objects.filter(case_id=case_id).defer("pdf").order_by("created_at", "id"))


def decision_documents_of(user: Any, *, limit: int = 50) -> list[DecisionDocument]:
    """The sealed decision documents of the person's own cases, newest first."""
    if not is_user(user):
        return []
    return list(
        DecisionDocument.objects.filter(case__applicant_id=user.pk)
        .select_related("case")
        .defer("pdf")
        .order_by("-created_at", "-id")[:limit]
    )


def decision_document_get(*, user: Any, document_id: int) -> DecisionDocument:
    """The applicant of the case, or staff who may view the case; else not found."""
    document = DecisionDocument.objects.select_related("case").filter(pk=document_id).first()
    if document is None or not is_user(user):
        raise NotFound("决定书不存在。")
    case = document.case
    if cases_selectors.is_applicant(user, case):
        return document
    if user.kind == UserKind.STAFF and cases_selectors.case_in_scope(
        user=user, case=case, permission="cases.view_case"
    ):
        return document
    raise NotFound("决定书不存在。")


# --- indicator 18 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive


def licence_use_rate(period: Period | tuple[date, date]) -> tuple[int, int]:
    """Indicator 18 (电子证照用证率): (行政许可 items for which an e-licence was used in a case in the
    period, all 行政许可 items). Items are the catalog's live items of type 行政许可."""
    start, end = (period.start, period.end) if isinstance(period, Period) else period
    licensing = catalog_selectors.guide_queryset(item_type=ItemType.LICENSING).values_list(
        "item_id", flat=True
    )
    item_ids = set(licensing)
    used = set(
        LicenceUse.objects.filter(used_at__date__gte=start, used_at__date__lte=end, item_id__in=item_ids)
        .values_list("item_id", flat=True)
        .distinct()
    )
    return len(used), len(item_ids)
