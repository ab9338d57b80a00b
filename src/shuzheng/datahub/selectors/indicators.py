"""City-wide figures the plan's indicators read from the data hub (indicators 13 and 16, department
scorecards): sharing requests per providing department, the requests not satisfied, open datasets per
department. The indicators context decides who sees them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q

from shuzheng.datahub.models import OpenDataset, SharingRequest


def _requests(until: date | None) -> Any:
    qs = SharingRequest.objects.exclude(status=SharingRequest.Status.WITHDRAWN)
    return qs.filter(created_at__date__lte=until) if until else qs


def sharing_by_provider(*, until: date | None = None) -> list[dict[str, Any]]:
    """Per providing department: requests (withdrawn ones left out, as in ``sharing_indicator``) and those
    satisfied (approved)."""
    rows = (
        _requests(until)
        .values("provider_department_id", "provider_department__code", "provider_department__name")
        .annotate(total=Count("id"), satisfied=Count("id", filter=Q(status=SharingRequest.Status.APPROVED)))
        .order_by("provider_department__code")
    )
    return [
        {
            "department_id": r["provider_department_id"],
            "code": r["provider_department__code"],
            "name": r["provider_department__name"],
            "total": r["total"],
            "satisfied": r["satisfied"],
        }
        for r in rows
    ]


def unsatisfied_requests(*, until: date | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The requests that count against indicator 13 (pending or refused), oldest first."""
    rows = (
        _requests(until)
        .exclude(status=SharingRequest.Status.APPROVED)
        .select_related("provider_department", "entry")
        .order_by("created_at", "id")[:limit]
    )
    return [
        {
            "id": r.pk,
            "title": r.entry.name,
            "provider": r.provider_department.name,
            "provider_id": r.provider_department_id,
            "status": r.get_status_display(),
        }
        for r in rows
    ]


def open_datasets_by_department() -> dict[int, int]:
    """Active open datasets per department id."""
    return dict(
        OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE)
        .values("department_id")
        .annotate(n=Count("id"))
        .values_list("department_id", "n")
    )
