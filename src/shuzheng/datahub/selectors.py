"""Reads of the data hub, data-scope aware and keyset-paginated.

Who may read what:
- published catalog entries: any logged-in staff member (the catalog is how departments find data to
  request); drafts and entries in review: users whose ``datahub.change_catalogentry`` or
  ``datahub.review_catalogentry`` scope covers the providing department;
- sharing requests: the requesting and the providing department (scope of ``datahub.view_sharingrequest``
  or ``datahub.decide_sharingrequest``), and data administrators (scope all);
- access logs: ``datahub.view_accesslog`` over the providing department ("who accessed my data"); the
  per-person view needs that permission with scope all (data administration, privacy requests);
- open datasets: public.

Timed-out sharing requests are derived here, not stored: a request is timed out when it is still pending
after its due date (``due_on``, SHUZHENG_SHARING_DECISION_DAYS working days after submission) or was
decided after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from shuzheng.core import fulltext
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.validators import validate_id_number
from shuzheng.datahub import access
from shuzheng.datahub.models import (
    AccessLog,
    ApiCredential,
    CatalogEntry,
    EntryStatus,
    Grant,
    MountKind,
    OpenDataset,
    OpenResource,
    OpenTag,
    OpenTopic,
    QualityRun,
    SharingRequest,
)
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs.models import Department

ENTRY_ORDER: Final = ("-id",)
REQUEST_ORDER: Final = ("-id",)
LOG_ORDER: Final = ("-id",)
DATASET_ORDER: Final = ("name",)

PERM_VIEW_LOG: Final = "datahub.view_accesslog"

# Re-exported for other contexts: the base-registry read (grant, masking, access log).
base_registry_lookup = access.base_registry_lookup


def _staff(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if not (getattr(user, "is_staff_member", False) or user.is_superuser):
        raise PermissionDenied("数据资源目录只对政府工作人员开放")


def _any_scope(user: Any, *grants: tuple[str, str], also: Q | None = None) -> Q | None:
    """The union of several (permission, department path) scopes, or None when one of them is "all"
    (an empty Q would vanish from an OR instead of meaning everything)."""
    condition = also if also is not None else Q(pk__in=[])
    for permission, path in grants:
        scope = data_scope_for(user, permission)
        if scope.is_all:
            return None
        condition |= scope.q(department=path)
    return condition


def _within(qs: QuerySet[Any], condition: Q | None) -> QuerySet[Any]:
    return qs if condition is None else qs.filter(condition)


# --- catalog -------------------------------------------------------------------------------------------


def entry_queryset(*, user: Any) -> QuerySet[CatalogEntry]:
    """Entries the user may see: every published one, plus unpublished ones inside an edit/review scope."""
    _staff(user)
    qs = CatalogEntry.objects.select_related("department")
    condition = _any_scope(
        user,
        ("datahub.change_catalogentry", "department"),
        ("datahub.review_catalogentry", "department"),
        also=Q(status=EntryStatus.PUBLISHED),
    )
    return _within(qs, condition)


def entry_list(
    *,
    user: Any,
    q: str | None = None,
    department: str | None = None,
    classification: str | None = None,
    status: str | None = None,
    sharing_type: str | None = None,
    openness: str | None = None,
    mounted: bool | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[CatalogEntry]:
    """Entries newest first; ``q`` is a Chinese full-text search over name, abstract, department and
    data-item labels; ``department`` a department code."""
    qs = entry_queryset(user=user)
    if q and q.strip():
        ids = fulltext.search("datahub.entry", q, limit=500)
        qs = qs.filter(pk__in=[int(i) for i in ids])
    if department:
        qs = qs.filter(department__code=department.strip().upper())
    if classification:
        qs = qs.filter(classification=classification)
    if status:
        qs = qs.filter(status=status)
    if sharing_type:
        qs = qs.filter(sharing_type=sharing_type)
    if openness:
        qs = qs.filter(openness=openness)
    if mounted is True:
        qs = qs.exclude(mount_kind="")
    elif mounted is False:
        qs = qs.filter(mount_kind="")
    return keyset_page(qs.prefetch_related("items"), order=ENTRY_ORDER, cursor=cursor, limit=limit)


def entry_get(*, user: Any, id: int | None = None, code: str | None = None) -> CatalogEntry:
    lookup: dict[str, Any] = {"pk": id} if id is not None else {"code": (code or "").strip()}
    entry = entry_queryset(user=user).prefetch_related("items", "related").filter(**lookup).first()
    if entry is None:
        raise NotFound("数据资源不存在或不在您的数据范围内")
    return entry


def mount_stats(*, department: Department | None = None) -> list[dict[str, Any]]:
    """Per providing department: entries, published entries, mounted resources (by kind) and rows."""
    qs = CatalogEntry.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    rows = (
        qs.values("department_id", "department__code", "department__name")
        .annotate(
            entries=Count("id"),
            published=Count("id", filter=Q(status=EntryStatus.PUBLISHED)),
            mounted=Count("id", filter=~Q(mount_kind="")),
            tables=Count("id", filter=Q(mount_kind=MountKind.TABLE)),
            files=Count("id", filter=Q(mount_kind=MountKind.FILE)),
            apis=Count("id", filter=Q(mount_kind=MountKind.API)),
            rows=Sum("row_count"),
        )
        .order_by("department__code")
    )
    return [
        {
            "department_id": r["department_id"],
            "department_code": r["department__code"],
            "department_name": r["department__name"],
            "entries": r["entries"],
            "published": r["published"],
            "mounted": r["mounted"],
            "tables": r["tables"],
            "files": r["files"],
            "apis": r["apis"],
            "rows": r["rows"] or 0,
        }
        for r in rows
    ]


def catalog_totals() -> dict[str, int]:
    """City-wide counts as the plan reports them (目录, 挂接资源, 库表数据条数, 开放数据集)."""
    agg = CatalogEntry.objects.aggregate(
        entries=Count("id"),
        published=Count("id", filter=Q(status=EntryStatus.PUBLISHED)),
        mounted=Count("id", filter=~Q(mount_kind="")),
        rows=Sum("row_count"),
        departments=Count("department", distinct=True),
    )
    datasets = OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE)
    return {
        "entries": agg["entries"],
        "published": agg["published"],
        "mounted": agg["mounted"],
        "rows": agg["rows"] or 0,
        "departments": agg["departments"],
        "open_datasets": datasets.count(),
        "open_departments": datasets.values("department").distinct().count(),
    }


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
    _staff(user)
    qs = SharingRequest.objects.select_related(
        "entry", "requester_department", "provider_department", "grant"
    )
    condition = _any_scope(
        user,
        ("datahub.view_sharingrequest", "requester_department"),
        ("datahub.add_sharingrequest", "requester_department"),
        ("datahub.decide_sharingrequest", "provider_department"),
    )
    return _within(qs, condition)


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
        qs = _within(qs, _any_scope(user, ("datahub.add_sharingrequest", "requester_department")))
    elif role == "received":
        qs = _within(qs, _any_scope(user, ("datahub.decide_sharingrequest", "provider_department")))
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
    _staff(user)
    condition = _any_scope(
        user,
        ("datahub.add_apicredential", "department"),
        ("datahub.decide_sharingrequest", "entry__department"),
    )
    qs = _within(Grant.objects.select_related("entry", "department"), condition)
    return keyset_page(qs, order=("-id",), cursor=cursor, limit=limit)


def grant_get(*, user: Any, id: int) -> Grant:
    _staff(user)
    condition = _any_scope(
        user,
        ("datahub.add_apicredential", "department"),
        ("datahub.decide_sharingrequest", "entry__department"),
    )
    qs = _within(Grant.objects.select_related("entry__department", "department"), condition)
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


# --- access logs ---------------------------------------------------------------------------------------


def access_log_for_entry(
    *, user: Any, entry: CatalogEntry, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AccessLog]:
    """Who accessed my data: reads of one entry, newest first (its providing department's view)."""
    _staff(user)
    if not user.has_perm(PERM_VIEW_LOG) or not data_scope_for(user, PERM_VIEW_LOG).covers_department(
        entry.department
    ):
        raise PermissionDenied("只有提供部门和数据管理员可以查看该资源的访问日志")
    qs = AccessLog.objects.select_related("department", "credential").filter(entry=entry)
    return keyset_page(qs, order=LOG_ORDER, cursor=cursor, limit=limit)


def access_log_for_person(
    *, user: Any, id_number: str, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AccessLog]:
    """Which departments read the record of this ID number (privacy requests), newest first. Looked up by
    the blind index: the log never holds the clear number."""
    _staff(user)
    if not user.has_perm(PERM_VIEW_LOG) or not data_scope_for(user, PERM_VIEW_LOG).is_all:
        raise PermissionDenied("只有数据管理员（全部数据范围）可以按身份证号查询访问记录")
    number = validate_id_number(id_number, field="id_number")
    key = blind_index(number)
    qs = AccessLog.objects.select_related("department", "entry").filter(subjects__key_index=key)
    return keyset_page(qs, order=LOG_ORDER, cursor=cursor, limit=limit)


def access_log_for_provider(
    *, user: Any, department: Department, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AccessLog]:
    """Who accessed my data, across every entry a providing department owns, newest first."""
    _staff(user)
    if not user.has_perm(PERM_VIEW_LOG) or not data_scope_for(user, PERM_VIEW_LOG).covers_department(
        department
    ):
        raise PermissionDenied("只有提供部门和数据管理员可以查看访问日志")
    qs = AccessLog.objects.select_related("department", "credential", "entry").filter(
        entry__department=department
    )
    return keyset_page(qs, order=LOG_ORDER, cursor=cursor, limit=limit)


# --- quality -------------------------------------------------------------------------------------------


def quality_run_get(*, id: int) -> QualityRun:
    run = QualityRun.objects.filter(pk=id).first()
    if run is None:
        raise NotFound("质量检测不存在")
    return run


def quality_run_latest() -> QualityRun | None:
    return QualityRun.objects.filter(finished_at__isnull=False).order_by("-id").first()


# --- open data (public) --------------------------------------------------------------------------------


def open_dataset_queryset(
    *,
    q: str | None = None,
    department: str | None = None,
    topic: str | None = None,
    tag: str | None = None,
    format: str | None = None,
    include_deleted: bool = False,
) -> QuerySet[OpenDataset]:
    """Open datasets (active only unless ``include_deleted``); ``q`` is a Chinese full-text search over
    title, description, tags and department; ``department`` a department code; ``topic`` a topic name;
    ``format`` CSV / XLSX / JSON."""
    qs = OpenDataset.objects.select_related("department", "entry")
    if not include_deleted:
        qs = qs.filter(state=OpenDataset.State.ACTIVE)
    if q and q.strip():
        ids = fulltext.search("datahub.open", q, limit=1000)
        qs = qs.filter(pk__in=[int(i) for i in ids])
    if department:
        qs = qs.filter(department__code=department.strip().upper())
    if topic:
        qs = qs.filter(topics__name=topic)
    if tag:
        qs = qs.filter(tags__name=tag)
    if format:
        qs = qs.filter(resources__format=format.upper())
    return qs.distinct()


def open_dataset_list(
    *, cursor: str | None = None, limit: int = DEFAULT_LIMIT, **filters: Any
) -> Page[OpenDataset]:
    qs = open_dataset_queryset(**filters).prefetch_related("tags", "topics", "resources")
    return keyset_page(qs, order=DATASET_ORDER, cursor=cursor, limit=limit)


def open_dataset_get(
    *, name: str | None = None, id: int | None = None, include_deleted: bool = False
) -> OpenDataset:
    qs = OpenDataset.objects.select_related("department", "entry").prefetch_related(
        "tags", "topics", "resources"
    )
    if not include_deleted:
        qs = qs.filter(state=OpenDataset.State.ACTIVE)
    dataset = qs.filter(pk=id).first() if id is not None else qs.filter(name=(name or "").strip()).first()
    if dataset is None:
        raise NotFound("开放数据集不存在")
    return dataset


def open_resource_get(*, id: int) -> OpenResource:
    resource = (
        OpenResource.objects.select_related("dataset__entry", "dataset__department")
        .filter(pk=id, dataset__state=OpenDataset.State.ACTIVE)
        .first()
    )
    if resource is None:
        raise NotFound("开放数据资源不存在")
    return resource


def open_rows(*, dataset: OpenDataset, params: dict[str, str]) -> access.Fetched:
    """Preview / datastore rows of an open dataset: every data item, personal ones always masked; same
    filter, sort and cursor parameters as the data service."""
    entry = CatalogEntry.objects.prefetch_related("items").get(pk=dataset.entry_id)
    fields = [i.name for i in entry.items.all() if i.mounted]
    return access.fetch_rows(entry=entry, granted=fields, clear=False, params=params)


def open_fields(*, dataset: OpenDataset) -> list[dict[str, Any]]:
    """The columns of an open dataset: name, label, type, description (CKAN datastore ``fields``)."""
    return [
        {"id": i.name, "label": i.label, "type": i.data_type, "description": i.description}
        for i in dataset.entry.items.all()
        if i.mounted
    ]


def open_facets(queryset: QuerySet[OpenDataset], *, limit: int = 50) -> dict[str, list[tuple[str, str, int]]]:
    """Facet counts over a dataset queryset (CKAN ``search_facets``): for ``organization`` (department
    code), ``groups`` (topic name), ``tags`` and ``res_format``, a list of (name, display name, count),
    most first. Each facet is one GROUP BY query."""
    ids = queryset.order_by().values("pk")

    def top(rows: Any) -> list[tuple[str, str, int]]:
        return [(str(r["key"]), str(r["label"]), int(r["count"])) for r in rows[:limit]]

    base = OpenDataset.objects.filter(pk__in=ids)
    return {
        "organization": top(
            base.values(key=F("department__code"), label=F("department__name"))
            .annotate(count=Count("id"))
            .order_by("-count", "key")
        ),
        "groups": top(
            base.filter(topics__isnull=False)
            .values(key=F("topics__name"), label=F("topics__title"))
            .annotate(count=Count("id", distinct=True))
            .order_by("-count", "key")
        ),
        "tags": top(
            base.filter(tags__isnull=False)
            .values(key=F("tags__name"), label=F("tags__name"))
            .annotate(count=Count("id", distinct=True))
            .order_by("-count", "key")
        ),
        "res_format": top(
            base.values(key=F("resources__format"), label=F("resources__format"))
            .annotate(count=Count("id", distinct=True))
            .order_by("-count", "key")
        ),
    }


def open_data_indicator() -> dict[str, Any]:
    """Indicator 16 (公共数据资源社会开放数据集): active open datasets against the plan's target of 600."""
    count = OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE).count()
    return {"open_datasets": count, "target": 600, "rate": round(count / 600, 4)}


def open_topics() -> QuerySet[OpenTopic]:
    return OpenTopic.objects.annotate(
        dataset_count=Count("datasets", filter=Q(datasets__state=OpenDataset.State.ACTIVE))
    ).order_by("name")


def open_tags() -> QuerySet[OpenTag]:
    return OpenTag.objects.filter(datasets__state=OpenDataset.State.ACTIVE).distinct().order_by("name")


def open_organizations() -> list[dict[str, Any]]:
    """Departments with active open datasets (CKAN organizations) and their dataset counts."""
    rows = (
        OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE)
        .values("department_id", "department__code", "department__name")
        .annotate(dataset_count=Count("id"))
        .order_by("department__code")
    )
    return [
        {
            "id": r["department_id"],
            "code": r["department__code"],
            "name": r["department__name"],
            "dataset_count": r["dataset_count"],
        }
        for r in rows
    ]
