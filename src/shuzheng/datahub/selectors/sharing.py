"""Sharing requests (the requesting and the providing department see them), timeouts (derived, not
stored: still pending after ``due_on`` or decided after it), indicator 13, grants and credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from shuzheng.core.errors import NotFound
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.datahub.models import (
    ApiCredential,
    Grant,
    SharingRequest,
)
from shuzheng.datahub.selectors.scope import any_scope, require_staff, within

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

REQUEST_ORDER: Final = ("-id",)

# --- sharing -------------------------------------------------------------------------------------------


def timed_out_q(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(status=SharingRequest.Status.PENDING, due_on__lt=today) | Q(
        decided_at__isnull=False, auto_granted=False, decided_at__date__gt=F("due_on")
    )


def is_timed_out(request: SharingRequest, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    if request.status == SharingRequest.Status.PENDING:
        return request.due_on < today
    if request.decided_at is None or request.auto_granted:
        return False
    return timezone.localtime(request.decided_at).date() > request.due_on


def request_queryset(*, user: Any) -> QuerySet[SharingRequest]:
    require_staff(user)
    qs = SharingRequest.objects.select_related(
        "entry", "requester_department", "provider_department", "grant"
    )
    condition = any_scope(
        user,
        ("datahub.view_sharingrequest", "requester_department"),
        ("datahub.add_sharingrequest", "requester_department"),
        ("datahub.decide_sharingrequest", "provider_department"),
    )
    return within(qs, condition)


def request_list(
    *,
    user: Any,
    role: str | None = None,
    status: str | None = None,
    timed_out: bool | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[SharingRequest]:
    """``role`` = "requested" (my department asked) or "received" (asked of my department)."""
    qs = request_queryset(user=user)
    if role == "requested":
        qs = within(qs, any_scope(user, ("datahub.add_sharingrequest", "requester_department")))
    elif role == "received":
        qs = within(qs, any_scope(user, ("datahub.decide_sharingrequest", "provider_department")))
    if status:
        qs = qs.filter(status=status)
    if timed_out is True:
        qs = qs.filter(timed_out_q())
    elif timed_out is False:
        qs = qs.exclude(timed_out_q())
    return keyset_page(qs, order=REQUEST_ORDER, cursor=cursor, limit=limit)


def request_get(*, user: Any, id: int) -> SharingRequest:
    request = request_queryset(user=user).filter(pk=id).first()
    if request is None:
        raise NotFound("共享申请不存在或不在您的数据范围内")
    return request


@dataclass(frozen=True)
class SharingIndicator:
    """Indicator 13 (数据共享需求满足率): satisfied / all requests.

    all = every request except withdrawn ones (pending, approved, refused — pending ones, timed out or
    not, count as not satisfied); satisfied = approved, by a decision or at once (无条件共享). A request
    approved after its due date still counts as satisfied but also as timed out against the provider.
    """

    total: int
    satisfied: int
    refused: int
    pending: int
    timed_out: int
    rate: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "satisfied": self.satisfied,
            "refused": self.refused,
            "pending": self.pending,
            "timed_out": self.timed_out,
            "rate": self.rate,
            "target": 0.8,
        }


def sharing_indicator(
    *,
    since: date | None = None,
    until: date | None = None,
    provider: Department | None = None,
    today: date | None = None,
) -> SharingIndicator:
    qs = SharingRequest.objects.exclude(status=SharingRequest.Status.WITHDRAWN)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    if provider is not None:
        qs = qs.filter(provider_department=provider)
    agg = qs.aggregate(
        total=Count("id"),
        satisfied=Count("id", filter=Q(status=SharingRequest.Status.APPROVED)),
        refused=Count("id", filter=Q(status=SharingRequest.Status.REFUSED)),
        pending=Count("id", filter=Q(status=SharingRequest.Status.PENDING)),
        timed_out=Count("id", filter=timed_out_q(today)),
    )
    total = agg["total"]
    return SharingIndicator(
        total=total,
        satisfied=agg["satisfied"],
        refused=agg["refused"],
        pending=agg["pending"],
        timed_out=agg["timed_out"],
        rate=round(agg["satisfied"] / total, 4) if total else None,
    )


def timeouts_by_provider(*, today: date | None = None) -> list[dict[str, Any]]:
    """Timed-out requests counted against each providing department, most first."""
    rows = (
        SharingRequest.objects.filter(timed_out_q(today))
        .values("provider_department__code", "provider_department__name")
        .annotate(timed_out=Count("id"))
        .order_by("-timed_out", "provider_department__code")
    )
    return [
        {
            "department_code": r["provider_department__code"],
            "department_name": r["provider_department__name"],
            "timed_out": r["timed_out"],
        }
        for r in rows
    ]


def grant_list(*, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Grant]:
    """Grants my department holds or my department gave."""
    require_staff(user)
    condition = any_scope(
        user,
        ("datahub.add_apicredential", "department"),
        ("datahub.decide_sharingrequest", "entry__department"),
    )
    qs = within(Grant.objects.select_related("entry", "department"), condition)
    return keyset_page(qs, order=("-id",), cursor=cursor, limit=limit)


def grant_get(*, user: Any, id: int) -> Grant:
    require_staff(user)
    condition = any_scope(
        user,
        ("datahub.add_apicredential", "department"),
        ("datahub.decide_sharingrequest", "entry__department"),
    )
    qs = within(Grant.objects.select_related("entry__department", "department"), condition)
    grant = qs.filter(pk=id).first()
    if grant is None:
        raise NotFound("授权不存在或不在您的数据范围内")
    return grant


def credential_get(*, user: Any, id: int) -> ApiCredential:
    credential = ApiCredential.objects.select_related("grant").filter(pk=id).first()
    if credential is None:
        raise NotFound("凭证不存在")
    grant_get(user=user, id=credential.grant_id)
    return credential
