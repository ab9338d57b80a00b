"""CKAN's read actions: status, packages (package_search), organisations, groups, tags, resources."""

from __future__ import annotations

import contextlib
import re
from typing import Any, Final

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from shuzheng.core import fulltext
from shuzheng.core.errors import NotFound
from shuzheng.datahub.ckan.common import (
    CKAN_VERSION,
    DEFAULT_ROWS,
    DEFAULT_SORT,
    FACET_FIELDS,
    LICENSES,
    MAX_LIST,
    MAX_ROWS,
    SEARCH_LIMIT,
    SITE_TITLE,
    SORT_FIELDS,
    Call,
    Params,
    SearchQueryError,
    absolute,
    dataset_queryset,
    find_dataset,
    find_resource,
    find_topic,
    group_dict,
    organization_dict,
    package_dict,
    resource_dict,
    tag_dict,
)
from shuzheng.datahub.models import (
    OpenDataset,
    OpenResource,
    OpenTag,
    OpenTopic,
)
from shuzheng.datahub.selectors import open_data as open_data_selectors
from shuzheng.orgs import selectors as org_selectors

# --- reads ------------------------------------------------------------------------------------------------


def status_show(call: Call) -> dict[str, Any]:
    return {
        "site_title": SITE_TITLE,
        "site_description": f"{settings.SHUZHENG_CITY_NAME}公共数据资源开放（兼容 CKAN Action API）",
        "site_url": absolute(call.request, "/"),
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": ["datastore"],
    }


def package_list(call: Call) -> list[str]:
    p = Params(call.data)
    limit = p.integer("limit", MAX_ROWS * 100, minimum=1, maximum=MAX_ROWS * 100)
    offset = p.integer("offset", 0)
    p.check()
    qs = OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE).order_by("name")
    return list(qs.values_list("name", flat=True)[offset : offset + limit])


def current_package_list_with_resources(call: Call) -> list[dict[str, Any]]:
    p = Params(call.data)
    limit = p.integer("limit", DEFAULT_ROWS, minimum=1, maximum=MAX_ROWS)
    offset = p.integer("offset", 0)
    p.check()
    active = dataset_queryset().filter(state=OpenDataset.State.ACTIVE)
    ids = list(active.order_by("-updated_at", "-id").values_list("pk", flat=True)[offset : offset + limit])
    by_pk = active.in_bulk(ids)
    return [package_dict(call.request, by_pk[pk]) for pk in ids if pk in by_pk]


def license_list(call: Call) -> list[dict[str, Any]]:
    return [
        {"id": key, "title": title, "url": url, "status": "active", "od_conformance": "approved"}
        for key, (title, url) in LICENSES.items()
    ]


def package_show(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=100)
    p.check()
    return package_dict(call.request, find_dataset(call.user, ident))


_FQ_TERM: Final = re.compile(
    r'\s*(?:(?:AND|&&)\s+)?([+-]?)([A-Za-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+))\s*'
)


def _fq_condition(field: str, value: str) -> Q | None:
    """The condition of one ``field:value`` term of ``fq``; None for terms that select everything."""
    value = value.replace('\\"', '"')
    if field == "organization":
        return Q(department__code__iexact=value)
    if field == "owner_org":
        department = org_selectors.department_by_code_or_id(value)
        return Q(department=department) if department else Q(pk__in=[])
    if field == "tags":
        return Q(pk__in=OpenTag.objects.filter(name=value).values("datasets"))
    if field == "groups":
        return Q(pk__in=OpenTopic.objects.filter(name=value).values("datasets"))
    if field == "res_format":
        return Q(pk__in=OpenResource.objects.filter(format=value.upper()).values("dataset_id"))
    if field == "name":
        return Q(name=value)
    if field == "license_id":
        return Q(license_id=value)
    if field in {"capacity", "dataset_type", "type"} and value in {"public", "dataset"}:
        return None
    if field == "state" and value == "active":
        return None
    raise SearchQueryError(
        f"不支持按“{field[:40]}”过滤"
        "（fq 可用：organization、owner_org、tags、groups、res_format、name、license_id）"
    )


def _apply_fq(qs: QuerySet[OpenDataset], fq: str) -> QuerySet[OpenDataset]:
    fq = fq.strip()
    if fq in {"", "*:*"}:
        return qs
    position = 0
    while position < len(fq):
        match = _FQ_TERM.match(fq, position)
        if match is None or match.end() == position:
            shown = fq[position : position + 40]
            raise SearchQueryError(f'无法解析过滤条件 fq（从“{shown}”起），请写成 字段:值 或 字段:"值"')
        sign, field, quoted, bare = match.groups()
        condition = _fq_condition(field, quoted if quoted is not None else bare)
        if condition is not None:
            qs = qs.exclude(condition) if sign == "-" else qs.filter(condition)
        position = match.end()
    return qs


def _sort_keys(p: Params, raw: str) -> list[tuple[str, bool]]:
    keys: list[tuple[str, bool]] = []
    for part in raw.split(","):
        words = part.split()
        if not words:
            continue
        field = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        if (
            len(words) > 2
            or direction not in {"asc", "desc"}
            or (field != "score" and field not in SORT_FIELDS)
        ):
            p.error(
                "sort",
                f"无法按“{part.strip()[:40]}”排序（可用：score、{'、'.join(SORT_FIELDS)}，加 asc 或 desc）",
            )
            return []
        keys.append((field, direction == "desc"))
    return keys


def package_search(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    q = p.text("q", max_length=500)
    fq = p.text("fq", max_length=2000)
    fq_list = p.items("fq_list", comma=False) or []
    rows = p.integer("rows", DEFAULT_ROWS, minimum=0, maximum=MAX_ROWS)
    start = p.integer("start", 0)
    sort = p.text("sort", default=DEFAULT_SORT, max_length=200)
    facet = p.boolean("facet", True)
    facet_fields = p.items("facet.field") or []
    facet_limit = p.integer("facet.limit", 50, minimum=-1)
    keys = _sort_keys(p, sort)
    unknown = [str(f)[:40] for f in facet_fields if f not in FACET_FIELDS]
    if unknown:
        p.error("facet.field", f"不支持的分面字段：{'、'.join(unknown)}（可用：{'、'.join(FACET_FIELDS)}）")
    if not all(isinstance(f, str) for f in fq_list):
        p.error("fq_list", "fq_list 应为字符串列表")
    p.check()
    active = dataset_queryset().filter(state=OpenDataset.State.ACTIVE)
    qs = active
    for term in [fq, *fq_list]:
        qs = _apply_fq(qs, str(term))
    text = "" if q.strip() in {"", "*:*", "*"} else q
    if ":" in text:  # Solr-style field terms in q ("tags:停车"), as CKAN allows; other text is full text
        with contextlib.suppress(SearchQueryError):
            qs, text = _apply_fq(qs, text), ""
    narrowed = qs is not active
    ranked: list[int] | None = None
    if text:
        ranked = [int(i) for i in fulltext.search("datahub.open", text, limit=SEARCH_LIMIT)]
        # the matches as a subquery: counts, facets and filters never send the ranked ids back
        matches = fulltext.matching("datahub.open", text)
        qs = qs.filter(pk__in=matches) if matches is not None else qs.none()
    if ranked is not None and keys and keys[0][0] == "score":
        if narrowed:
            matched = set(qs.values_list("pk", flat=True))
            order = [pk for pk in ranked if pk in matched]
        else:  # the index holds active datasets only: its ranking is the answer
            order = ranked
        count = len(order)
        page_ids = order[start : start + rows]
        by_pk = active.in_bulk(page_ids)
        page = [by_pk[pk] for pk in page_ids if pk in by_pk]
    else:
        ordering = [f"-{SORT_FIELDS[f]}" if desc else SORT_FIELDS[f] for f, desc in keys if f != "score"]
        qs_sorted = qs.order_by(*ordering, "name") if ordering else qs.order_by("-updated_at", "name")
        count = qs.count()
        # sort narrow rows first, then load the page's datasets with their relations
        page_ids = list(qs_sorted.values_list("pk", flat=True)[start : start + rows]) if rows else []
        by_pk = active.in_bulk(page_ids)
        page = [by_pk[pk] for pk in page_ids if pk in by_pk]
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict[str, Any]] = {}
    if facet and facet_fields:
        limit = 10**6 if facet_limit < 0 else facet_limit
        counted = open_data_selectors.open_facets(qs, limit=limit)
        for field in dict.fromkeys(facet_fields):
            items = counted.get(field, [])
            facets[field] = {name: count for name, _, count in items}
            search_facets[field] = {
                "title": field,
                "items": [{"name": n, "display_name": d, "count": c} for n, d, c in items],
            }
            if field == "organization":  # organizations are named by the department code in lower case
                facets[field] = {n.lower(): c for n, c in facets[field].items()}
                for item in search_facets[field]["items"]:
                    item["name"] = item["name"].lower()
    return {
        "count": count,
        "sort": sort,
        "results": [package_dict(call.request, d) for d in page],
        "facets": facets,
        "search_facets": search_facets,
    }


def _org_counts() -> dict[int, int]:
    rows = (
        OpenDataset.objects.filter(state=OpenDataset.State.ACTIVE)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["department_id"]: r["n"] for r in rows}


def _list_sort(p: Params, default: str, allowed: dict[str, str]) -> list[str]:
    raw = p.text("sort", default=default, max_length=100)
    words = raw.split()
    if (
        not words
        or words[0] not in allowed
        or len(words) > 2
        or (len(words) == 2 and words[1] not in {"asc", "desc"})
    ):
        p.error("sort", f"无法按“{raw[:40]}”排序（可用：{'、'.join(allowed)}，加 asc 或 desc）")
        return []
    return [("-" if len(words) == 2 and words[1] == "desc" else "") + allowed[words[0]]]


def organization_list(call: Call) -> list[Any]:
    p = Params(call.data)
    all_fields = p.boolean("all_fields")
    limit = p.integer("limit", MAX_LIST, minimum=1, maximum=MAX_LIST)
    offset = p.integer("offset", 0)
    wanted = p.items("organizations")
    ordering = _list_sort(p, "name asc", {"name": "code", "title": "name", "package_count": "package_count"})
    p.check()
    counts = _org_counts()
    qs = org_selectors.departments_by_ids(list(counts))
    if wanted:
        qs = qs.filter(code__in=[str(w).upper() for w in wanted])
    departments = list(qs.order_by("code"))
    for department in departments:
        department.package_count = counts.get(department.pk, 0)  # type: ignore[attr-defined]
    key = ordering[0].lstrip("-")
    departments.sort(key=lambda d: getattr(d, key), reverse=ordering[0].startswith("-"))
    departments = departments[offset : offset + limit]
    if all_fields:
        return [organization_dict(call.request, d, counts.get(d.pk, 0)) for d in departments]
    return [d.code.lower() for d in departments]


def organization_show(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=64)
    include_datasets = p.boolean("include_datasets", False)
    p.check()
    department = org_selectors.department_by_code_or_id(ident)
    if department is None:
        raise NotFound(f"组织（部门）“{ident}”不存在")
    qs = dataset_queryset().filter(state=OpenDataset.State.ACTIVE, department=department).order_by("name")
    result = organization_dict(call.request, department, qs.count())
    if include_datasets:
        result["packages"] = [package_dict(call.request, d) for d in qs[:MAX_ROWS]]
    return result


def group_list(call: Call) -> list[Any]:
    p = Params(call.data)
    all_fields = p.boolean("all_fields")
    limit = p.integer("limit", MAX_LIST, minimum=1, maximum=MAX_LIST)
    offset = p.integer("offset", 0)
    wanted = p.items("groups")
    ordering = _list_sort(p, "name asc", {"name": "name", "title": "title", "package_count": "dataset_count"})
    p.check()
    qs = open_data_selectors.open_topics()
    if wanted:
        qs = qs.filter(name__in=[str(w) for w in wanted])
    topics = list(qs.order_by(*ordering, "name")[offset : offset + limit])
    if all_fields:
        return [group_dict(t, t.dataset_count) for t in topics]  # type: ignore[attr-defined]
    return [t.name for t in topics]


def group_show(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=100)
    include_datasets = p.boolean("include_datasets", False)
    p.check()
    topic = find_topic(ident)
    if topic is None:
        raise NotFound(f"主题“{ident}”不存在")
    qs = dataset_queryset().filter(state=OpenDataset.State.ACTIVE, topics=topic).order_by("name")
    result = group_dict(topic, qs.count())
    if include_datasets:
        result["packages"] = [package_dict(call.request, d) for d in qs[:MAX_ROWS]]
    return result


def tag_list(call: Call) -> list[Any]:
    p = Params(call.data)
    query = p.text("query", max_length=100)
    all_fields = p.boolean("all_fields")
    if p.has("vocabulary_id"):
        p.error("vocabulary_id", "本平台的标签不分词表，请不要传 vocabulary_id")
    p.check()
    qs = open_data_selectors.open_tags()
    if query:
        qs = qs.filter(name__icontains=query)
    tags = list(qs[: MAX_LIST * 10])
    return [tag_dict(t) for t in tags] if all_fields else [t.name for t in tags]


def resource_show(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=40)
    p.check()
    resource = find_resource(call.user, ident)
    resources = sorted(resource.dataset.resources.all(), key=lambda r: r.pk)
    position = next((n for n, r in enumerate(resources) if r.pk == resource.pk), 0)
    return resource_dict(call.request, resource, position)
