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

from django.db.models import Count, F, Max, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone

from shuzheng.core import fulltext
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.schemas import has_unstorable
from shuzheng.core.validators import validate_id_number
from shuzheng.datahub import access
from shuzheng.datahub.models import (
    AccessLog,
    ApiCredential,
    CatalogClass,
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
    class_code: str | None = None,
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
    if class_code:  # a node of the class tree (类-项-目-细目) and everything under it
        qs = qs.filter(class_code__startswith=class_code.strip().upper())
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
    return _log_page(AccessLog.objects.filter(entry=entry), cursor=cursor, limit=limit)


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
    return _log_page(AccessLog.objects.filter(subjects__key_index=key), cursor=cursor, limit=limit)


def access_log_for_provider(
    *, user: Any, department: Department, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AccessLog]:
    """Who accessed my data, across every entry a providing department owns, newest first."""
    _staff(user)
    if not user.has_perm(PERM_VIEW_LOG) or not data_scope_for(user, PERM_VIEW_LOG).covers_department(
        department
    ):
        raise PermissionDenied("只有提供部门和数据管理员可以查看访问日志")
    return _log_page(AccessLog.objects.filter(entry__department=department), cursor=cursor, limit=limit)


LOOKUP_LABELS: Final = {"": "＝", "gte": "≥", "lte": "≤", "in": "属于", "contains": "包含"}


def _log_page(qs: QuerySet[AccessLog], *, cursor: str | None, limit: int) -> Page[AccessLog]:
    """A page of the access log as people read it: who was behind a credential, and fields and query
    conditions by their Chinese labels (``field_labels``, ``filter_labels``), never column names."""
    qs = qs.select_related("department", "entry", "credential__created_by", "user")
    page = keyset_page(qs, order=LOG_ORDER, cursor=cursor, limit=limit)
    prefetch_related_objects([log.entry for log in page.items], "items")
    for log in page.items:
        labels = {i.name: i.label for i in log.entry.items.all()}
        log.person = log.user or (log.credential.created_by if log.credential else None)  # type: ignore[attr-defined]
        log.field_labels = [labels.get(f, f) for f in log.fields]  # type: ignore[attr-defined]
        log.filter_labels = [_filter_label(labels, k, v) for k, v in log.filters.items()]  # type: ignore[attr-defined]
    return page


def _filter_label(labels: dict[str, str], param: str, value: Any) -> str:
    if param == "sort":
        text = str(value)
        return (
            f"按{labels.get(text.lstrip('-'), text.lstrip('-'))}{'倒序' if text.startswith('-') else ''}排序"
        )
    name, _, lookup = param.partition("__")
    return f"{labels.get(name, name)} {LOOKUP_LABELS.get(lookup, lookup)} {value}"


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
    name = (name or "").strip()
    if id is None and has_unstorable(
        name
    ):  # a NUL in the address: no such dataset (PostgreSQL cannot compare)
        raise NotFound("开放数据集不存在")
    dataset = qs.filter(pk=id).first() if id is not None else qs.filter(name=name).first()
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


# --- open-data portal pages ------------------------------------------------------------------------------

#: Sort orders of the portal's dataset list; "relevance" is the full-text rank (only with a query).
OPEN_SORTS: Final = {
    "relevance": (),
    "newest": ("-updated_at", "-id"),
    "downloads": ("-download_count", "-id"),
    "name": DATASET_ORDER,
}
#: The full-text search ranks at most this many datasets (relevance pages beyond it are empty).
OPEN_SEARCH_LIMIT: Final = 1000


@dataclass(frozen=True)
class OpenSearchResult:
    """One page of the portal's dataset search: the datasets, how many match in all, the facet counts
    over every match, and where the next page starts (a keyset cursor, or a page number for the
    relevance order)."""

    items: list[OpenDataset]
    total: int
    facets: dict[str, list[tuple[str, str, int]]]
    next_cursor: str | None = None
    next_page: int | None = None


def open_dataset_search(
    *,
    q: str | None = None,
    department: str | None = None,
    topic: str | None = None,
    tag: str | None = None,
    format: str | None = None,
    sort: str = "relevance",
    cursor: str | None = None,
    page: int = 1,
    limit: int = DEFAULT_LIMIT,
) -> OpenSearchResult:
    """Active open datasets matching a Chinese full-text ``q`` and the filters, with facet counts.

    ``sort`` is one of OPEN_SORTS; "relevance" without a query falls back to "newest". The relevance
    order pages by ``page`` over the ranked ids (at most OPEN_SEARCH_LIMIT), the others by keyset
    ``cursor``."""
    if sort not in OPEN_SORTS:
        raise ValueError(sort)
    query = (q or "").strip()
    qs = open_dataset_queryset(department=department, topic=topic, tag=tag, format=format)
    ranked: list[int] = []
    if query:
        ranked = [int(i) for i in fulltext.search("datahub.open", query, limit=OPEN_SEARCH_LIMIT)]
        qs = qs.filter(pk__in=ranked)
    elif sort == "relevance":
        sort = "newest"
    facets = open_facets(qs)
    total = qs.count()
    related = ("tags", "topics", "resources")
    if sort != "relevance":
        found = keyset_page(qs.prefetch_related(*related), order=OPEN_SORTS[sort], cursor=cursor, limit=limit)
        return OpenSearchResult(found.items, total, facets, next_cursor=found.next_cursor)
    matching = set(qs.values_list("pk", flat=True))
    ordered = [pk for pk in ranked if pk in matching]
    start = (max(page, 1) - 1) * limit
    wanted = ordered[start : start + limit]
    by_id = (
        OpenDataset.objects.select_related("department", "entry").prefetch_related(*related).in_bulk(wanted)
    )
    items = [by_id[pk] for pk in wanted if pk in by_id]
    more = len(ordered) > start + limit
    return OpenSearchResult(items, total, facets, next_page=page + 1 if more else None)


def open_portal_totals() -> dict[str, int]:
    """The portal's headline numbers: active datasets, their departments, topics in use and downloads."""
    active = OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE)
    agg = active.aggregate(
        datasets=Count("id"),
        departments=Count("department", distinct=True),
        downloads=Sum("download_count"),
    )
    return {
        "datasets": agg["datasets"],
        "departments": agg["departments"],
        "downloads": agg["downloads"] or 0,
        "topics": OpenTopic.objects.filter(datasets__state=OpenDataset.State.ACTIVE).distinct().count(),
    }


def open_formats() -> list[str]:
    """Resource formats of active datasets (the portal's format filter), alphabetical."""
    return sorted(
        set(
            OpenResource.objects.filter(dataset__state=OpenDataset.State.ACTIVE)
            .values_list("format", flat=True)
            .distinct()
        )
    )


def open_department_stats() -> list[dict[str, Any]]:
    """Per department with active datasets: datasets, rows behind them, downloads and last update,
    most datasets first (the portal's department listing)."""
    rows = (
        OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE)
        .values("department__code", "department__name")
        .annotate(
            dataset_count=Count("id"),
            downloads=Sum("download_count"),
            rows=Sum("entry__row_count"),
            last_updated=Max("updated_at"),
        )
        .order_by("-dataset_count", "department__code")
    )
    return [
        {
            "code": r["department__code"],
            "name": r["department__name"],
            "dataset_count": r["dataset_count"],
            "downloads": r["downloads"] or 0,
            "rows": r["rows"] or 0,
            "last_updated": r["last_updated"],
        }
        for r in rows
    ]


# --- workbench pages -----------------------------------------------------------------------------------


def can(user: Any, permission: str, department: Department | None) -> bool:
    """Whether the user holds ``permission`` over a data scope covering ``department`` (what the services'
    ``require`` checks), for showing or hiding workbench actions."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(permission):
        return False
    return department is None or data_scope_for(user, permission).covers_department(department)


def entry_class_tree(*, user: Any) -> list[dict[str, Any]]:
    """The classification tree of the entries the user may see: per classification (基础/主题/部门), the
    classes (first letter of the class code, 类) and their items (letter + two digits, 项), with their
    names and counts."""
    rows = (
        entry_queryset(user=user)
        .order_by()
        .values("classification", "class_code")
        .annotate(count=Count("id"))
    )
    labels = dict(CatalogEntry._meta.get_field("classification").choices or [])
    tree: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = str(row["class_code"] or "")
        if not code:
            continue
        node = tree.setdefault(
            row["classification"],
            {
                "value": row["classification"],
                "label": labels.get(row["classification"], ""),
                "count": 0,
                "classes": {},
            },
        )
        node["count"] += row["count"]
        top = node["classes"].setdefault(code[0], {"code": code[0], "count": 0, "children": {}})
        top["count"] += row["count"]
        if len(code) >= 3:
            top["children"][code[:3]] = top["children"].get(code[:3], 0) + row["count"]
    codes = {
        code
        for node in tree.values()
        for c in node["classes"].values()
        for code in [c["code"], *c["children"]]
    }
    names = dict(CatalogClass.objects.filter(code__in=codes).values_list("code", "name"))

    def named(code: str, count: int) -> dict[str, Any]:
        return {"code": code, "name": names.get(code) or f"未命名类目 {code}", "count": count}

    result = []
    for value in sorted(tree):
        node = tree[value]
        classes = [
            {
                **named(c["code"], c["count"]),
                "children": [named(k, v) for k, v in sorted(c["children"].items())],
            }
            for _k, c in sorted(node["classes"].items())
        ]
        result.append({**node, "classes": classes})
    return result


def quality_history(*, entry: CatalogEntry, limit: int = 10) -> list[dict[str, Any]]:
    """The entry's latest quality runs, newest first: per run its score, per-dimension scores and the
    results of the entry's rules."""
    from shuzheng.datahub.models import QualityResult

    run_ids = list(
        QualityResult.objects.filter(entry=entry)
        .order_by("-run_id")
        .values_list("run_id", flat=True)
        .distinct()[:limit]
    )
    runs = {r.pk: r for r in QualityRun.objects.filter(pk__in=run_ids).select_related("triggered_by")}
    results: dict[int, list[Any]] = {}
    for result in QualityResult.objects.filter(entry=entry, run_id__in=run_ids).select_related("rule"):
        results.setdefault(result.run_id, []).append(result)
    history = []
    for run_id in sorted(run_ids, reverse=True):
        run = runs[run_id]
        scores = (run.scores or {}).get(str(entry.pk)) or {}
        history.append(
            {
                "run": run,
                "score": scores.get("score"),
                "dimensions": scores.get("dimensions") or {},
                "results": results.get(run_id, []),
            }
        )
    return history


def quality_sample_rows(*, entry: CatalogEntry, row_ids: list[int]) -> list[dict[str, Any]]:
    """The sampled failing rows of a quality result as the steward sees them: every personal field masked
    (the quality page never shows clear personal data)."""
    from shuzheng.datahub import tables

    if not entry.is_mounted_table or not row_ids:
        return []
    items = [i for i in entry.items.all() if i.mounted]
    model = tables.build_model(entry, items)
    rows = model.objects.filter(**{f"{tables.ROW_ID}__in": row_ids[:20]}).order_by(tables.ROW_ID)
    result = []
    for row in rows.values(tables.ROW_ID, *[i.name for i in items]):
        shown = {i.name: _shown(i, row[i.name]) for i in items}
        result.append({"row_id": row[tables.ROW_ID], "values": [shown[i.name] for i in items]})
    return result


def _shown(item: Any, value: Any) -> Any:
    from shuzheng.datahub import tables

    if not item.is_personal or value is None:
        return tables.json_value(value)
    return access.mask_value(item, tables.json_value(value))
