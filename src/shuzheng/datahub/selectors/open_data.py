"""The open-data portal's reads (public): datasets, resources, rows, facets, topics, tags, departments
and the portal's search and statistics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum

from shuzheng.core import fulltext
from shuzheng.core.errors import NotFound
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.schemas import has_unstorable
from shuzheng.datahub import access
from shuzheng.datahub.models import (
    CatalogEntry,
    OpenDataset,
    OpenResource,
    OpenTag,
    OpenTopic,
)

DATASET_ORDER: Final = ("name",)
#: The facets `open_facets` counts, in the order its query lists them.
FACETS: Final = ("organization", "groups", "tags", "res_format")

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
    most first. One query: the matching ids once (a CTE), grouped four ways."""
    facets: dict[str, list[tuple[str, str, int]]] = {name: [] for name in FACETS}
    try:
        ids_sql, ids_params = queryset.order_by().values("pk").distinct().query.sql_with_params()
    except EmptyResultSet:  # e.g. queryset.none()
        return facets
    meta = OpenDataset._meta
    department = meta.get_field("department").related_model._meta.db_table  # type: ignore[union-attr]
    topics, tags = meta.get_field("topics"), meta.get_field("tags")
    q = connection.ops.quote_name

    def m2m(field: Any, key: str, label: str) -> str:
        through = field.remote_field.through._meta.db_table
        target = field.related_model._meta.db_table
        return (  # names from the models, values bound
            f"SELECT %s, t.{q(key)}, t.{q(label)}, COUNT(*) FROM {q(through)} x "  # noqa: S608
            f"JOIN m ON m.id = x.{q(field.m2m_column_name())} "
            f"JOIN {q(target)} t ON t.id = x.{q(field.m2m_reverse_name())} GROUP BY t.{q(key)}, t.{q(label)}"
        )

    sql = (
        f"WITH m(id) AS ({ids_sql}) "  # noqa: S608 - table names from the models, values bound
        f"SELECT %s, o.code, o.name, COUNT(*) FROM {q(meta.db_table)} d JOIN m ON m.id = d.id "
        f"JOIN {q(department)} o ON o.id = d.department_id GROUP BY o.code, o.name "
        f"UNION ALL {m2m(topics, 'name', 'title')} "
        f"UNION ALL {m2m(tags, 'name', 'name')} "
        f"UNION ALL SELECT %s, r.format, r.format, COUNT(DISTINCT r.dataset_id) "
        f"FROM {q(OpenResource._meta.db_table)} r JOIN m ON m.id = r.dataset_id GROUP BY r.format"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids_params, *FACETS])
        for facet, key, label, count in cursor.fetchall():
            facets[facet].append((str(key), str(label), int(count)))
    for items in facets.values():
        items.sort(key=lambda item: (-item[2], item[0]))
        del items[limit:]
    return facets


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
