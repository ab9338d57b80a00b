"""The actions of the CKAN Action API (``/api/3/action/<name>``) over the open-data portal.

CKAN's objects map onto the data hub like this:

- package (dataset) = ``OpenDataset``: ``name`` is its 标识, ``title``, ``notes``, ``license_id``,
  ``owner_org`` its providing department, ``tags``, ``groups`` its topics, ``resources``; the catalog entry
  it was opened from is the extra ``catalog_entry`` (the entry's 资源代码), which package_create needs;
- organization = ``Department`` (``name`` is the department code in lower case, ``title`` its name);
- group = ``OpenTopic``; tag = ``OpenTag``;
- resource = ``OpenResource``: the CSV / XLSX / JSON generated from the mounted table
  (``url_type`` "datastore", readable through datastore_search), links (``url``) and uploaded files
  (``url_type`` "upload").

Each action takes a :class:`Call` and returns the ``result`` of CKAN's envelope; errors are the core
application errors (``NotFound``, ``PermissionDenied``, ``ValidationFailed``, ``Conflict``…) and
:class:`SearchQueryError`, which :mod:`shuzheng.datahub.ckan` turns into CKAN's ``error`` objects.
Reads are public (open data, personal fields masked); writes need a publisher's API key and go through
the datahub services (permission and data scope checks, audit).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from shuzheng.core import fulltext
from shuzheng.core.errors import MalformedRequest, NotFound, ValidationFailed
from shuzheng.core.schemas import has_unstorable
from shuzheng.datahub import loading, selectors, services, tables
from shuzheng.datahub.access import is_masked, mask_value, masked_refusal
from shuzheng.datahub.models import (
    CatalogEntry,
    DataItem,
    DataType,
    OpenDataset,
    OpenResource,
    OpenTag,
    OpenTopic,
)
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs.models import Department

CKAN_VERSION: Final = "2.10.4"
SITE_TITLE: Final = "公共数据开放平台"
#: package_search: CKAN's default and largest page (ckan.search.rows_max).
DEFAULT_ROWS: Final = 10
MAX_ROWS: Final = 1000
#: How many datasets the full-text search ranks at most for one query.
SEARCH_LIMIT: Final = 10000
#: datastore_search: CKAN's default page; the largest one here is smaller than CKAN's 32000.
DEFAULT_RECORDS: Final = 100
MAX_RECORDS: Final = 1000
MAX_LIST: Final = 1000
FACET_FIELDS: Final = ("organization", "groups", "tags", "res_format")
DEFAULT_SORT: Final = "score desc, metadata_modified desc"
SORT_FIELDS: Final = {
    "name": "name",
    "title": "title",
    "title_string": "title",
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
    "views_total": "view_count",
    "views_recent": "view_count",
    "downloads": "download_count",
}
LICENSES: Final = {
    "cc-by-4.0": ("知识共享署名 4.0（CC BY 4.0）", "https://creativecommons.org/licenses/by/4.0/"),
    "cc-by-sa-4.0": (
        "知识共享署名-相同方式共享 4.0（CC BY-SA 4.0）",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "cc-zero": ("CC0 公共领域贡献", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "cc0-1.0": ("CC0 公共领域贡献", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "odc-by": ("开放数据共享署名许可（ODC-By）", "https://opendatacommons.org/licenses/by/"),
    "odc-odbl": ("开放数据库许可（ODC-ODbL）", "https://opendatacommons.org/licenses/odbl/"),
    "odc-pddl": ("开放数据共享公共领域许可（ODC-PDDL）", "https://opendatacommons.org/licenses/pddl/"),
    "other-open": ("其他开放许可", ""),
}
DATASTORE_TYPES: Final = {
    DataType.STRING: "text",
    DataType.INTEGER: "int",
    DataType.DECIMAL: "numeric",
    DataType.DATE: "date",
    DataType.DATETIME: "timestamp",
    DataType.BOOLEAN: "bool",
}
_NAME: Final = re.compile(r"^[a-z0-9_-]{2,100}$")


class SearchQueryError(MalformedRequest):
    """A package_search ``fq``/``q`` that cannot be parsed (CKAN's "Search Query Error", HTTP 400)."""

    code = "search_query"


@dataclass
class Call:
    request: HttpRequest
    user: Any  # the publisher authenticated by an API key, or None
    data: dict[str, Any]


# --- parameters -------------------------------------------------------------------------------------------


class Params:
    """Typed reads of an action's parameters; every problem is collected per field, then raised at once
    as one CKAN Validation Error."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def error(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def check(self) -> None:
        if self.errors:
            items = [{"field": f, "message": m} for f, messages in self.errors.items() for m in messages]
            raise ValidationFailed("；".join(i["message"] for i in items), errors=items)

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def text(self, key: str, *, required: bool = False, default: str = "", max_length: int = 1000) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, f"缺少参数 {key}")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(key, f"参数 {key} 应为字符串")
            return default
        text = str(value).strip()
        if len(text) > max_length:
            self.error(key, f"参数 {key} 不能超过 {max_length} 个字符")
            return default
        if "\x00" in text:
            self.error(key, f"参数 {key} 含有非法字符")
            return default
        return text

    def integer(self, key: str, default: int, *, minimum: int = 0, maximum: int = 10**9) -> int:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        try:
            if isinstance(value, bool | float | list | dict):
                raise ValueError
            number = int(str(value).strip())
        except ValueError:
            self.error(key, f"参数 {key} 应为整数")
            return default
        if not minimum <= number <= maximum:
            self.error(key, f"参数 {key} 应为 {minimum} 到 {maximum} 的整数")
            return default
        return number

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        self.error(key, f"参数 {key} 应为 true 或 false")
        return default

    def items(self, key: str, *, comma: bool = True) -> list[Any] | None:
        """A list, or a JSON list in a string (query strings), or a comma-separated string."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except ValueError:
                    self.error(key, f"参数 {key} 不是有效的 JSON 列表")
                    return None
            elif comma:
                value = [part.strip() for part in text.split(",") if part.strip()]
            else:
                value = [text]
        if not isinstance(value, list):
            self.error(key, f"参数 {key} 应为列表")
            return None
        if len(value) > MAX_LIST:
            self.error(key, f"参数 {key} 最多 {MAX_LIST} 项")
            return None
        return value

    def mapping(self, key: str) -> dict[str, Any] | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                self.error(key, f"参数 {key} 不是有效的 JSON 对象")
                return None
        if not isinstance(value, dict):
            self.error(key, f"参数 {key} 应为 JSON 对象")
            return None
        return value


# --- shapes -----------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without an offset."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat()


def absolute(request: HttpRequest, path: str) -> str:
    """An absolute URL: on SHUZHENG_PUBLIC_URL when set, else on the request's host."""
    public = str(getattr(settings, "PUBLIC_URL", "") or "")
    return f"{public}{path}" if public else request.build_absolute_uri(path)


def _reverse(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def file_path(resource: OpenResource) -> str:
    """Where the generated file or the uploaded file of a resource is served (CKAN's download URL)."""
    filename = (
        resource.file.name.rsplit("/", 1)[-1]
        if resource.file
        else f"{resource.dataset.name}.{resource.format.lower()}"
    )
    return reverse("ckan-resource-file", args=[resource.dataset_id, resource.pk, filename])


def organization_dict(
    request: HttpRequest, department: Department, count: int | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": str(department.pk),
        "name": department.code.lower(),
        "title": department.name,
        "display_name": department.name,
        "description": department.short_name,
        "type": "organization",
        "is_organization": True,
        "state": "active" if department.is_active else "deleted",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": _iso(department.created_at),
    }
    if count is not None:
        result["package_count"] = count
    return result


def group_dict(topic: OpenTopic, count: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": str(topic.pk),
        "name": topic.name,
        "title": topic.title,
        "display_name": topic.title,
        "description": topic.description,
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": _iso(topic.created_at),
    }
    if count is not None:
        result["package_count"] = count
    return result


def tag_dict(tag: OpenTag) -> dict[str, Any]:
    return {
        "id": str(tag.pk),
        "name": tag.name,
        "display_name": tag.name,
        "state": "active",
        "vocabulary_id": None,
    }


def resource_dict(request: HttpRequest, resource: OpenResource, position: int = 0) -> dict[str, Any]:
    generated = not resource.url
    if generated or resource.file:
        # the portal's download link counts downloads; our own file URL serves without the portal pages
        path = _reverse("datahub:open_resource", resource.pk) or file_path(resource)
        url = absolute(request, path)
    else:
        url = resource.url
    return {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description,
        "format": resource.format,
        "url": url,
        "url_type": "datastore" if generated else ("upload" if resource.file else None),
        "datastore_active": generated,
        "mimetype": None,
        "size": resource.file.size
        if resource.file and resource.file.storage.exists(resource.file.name)
        else None,
        "state": "active",
        "position": position,
        "created": _iso(resource.created_at),
        "last_modified": _iso(resource.updated_at),
        "metadata_modified": _iso(resource.updated_at),
        "download_count": resource.download_count,
    }


def package_dict(request: HttpRequest, dataset: OpenDataset) -> dict[str, Any]:
    entry = dataset.entry
    department = dataset.department
    tags = sorted(dataset.tags.all(), key=lambda t: t.name)
    resources = sorted(dataset.resources.all(), key=lambda r: r.pk)
    license_title, license_url = LICENSES.get(dataset.license_id, (dataset.license_id, ""))
    page = _reverse("datahub:open_dataset", dataset.name)
    extras = {
        "catalog_entry": entry.code,
        "catalog_entry_name": entry.name,
        "update_frequency": entry.get_update_cycle_display(),
        "row_count": str(entry.row_count),
        "published_at": _iso(dataset.published_at) or "",
        "download_count": str(dataset.download_count),
    }
    return {
        "id": str(dataset.pk),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "type": "dataset",
        "state": dataset.state,
        "private": False,
        "isopen": dataset.license_id in LICENSES,
        "license_id": dataset.license_id,
        "license_title": license_title,
        "license_url": license_url,
        "url": absolute(request, page) if page else "",
        "version": None,
        "author": department.name,
        "author_email": None,
        "maintainer": department.name,
        "maintainer_email": None,
        "owner_org": str(department.pk),
        "organization": organization_dict(request, department),
        "creator_user_id": None,
        "metadata_created": _iso(dataset.created_at),
        "metadata_modified": _iso(dataset.updated_at),
        "tags": [tag_dict(t) for t in tags],
        "num_tags": len(tags),
        "groups": [group_dict(t) for t in sorted(dataset.topics.all(), key=lambda t: t.name)],
        "resources": [resource_dict(request, r, n) for n, r in enumerate(resources)],
        "num_resources": len(resources),
        "extras": [{"key": k, "value": v} for k, v in extras.items()],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


# --- lookups ----------------------------------------------------------------------------------------------


def _datasets() -> QuerySet[OpenDataset]:
    return OpenDataset.objects.select_related("department", "entry").prefetch_related(
        "tags", "topics", "resources"
    )


def _may_publish(user: Any, department: Department) -> bool:
    if user is None or not user.has_perm(services.PERM_PUBLISH):
        return False
    return bool(data_scope_for(user, services.PERM_PUBLISH).covers_department(department))


def _dataset(user: Any, ident: str) -> OpenDataset:
    """A dataset by name or id; withdrawn ones only for publishers over their department."""
    dataset = _datasets().filter(name=ident).first()
    if dataset is None and ident.isascii() and ident.isdigit() and len(ident) <= 18:
        dataset = _datasets().filter(pk=int(ident)).first()
    if dataset is None or (
        dataset.state != OpenDataset.State.ACTIVE and not _may_publish(user, dataset.department)
    ):
        raise NotFound(f"数据集“{ident[:100]}”不存在")
    return dataset


def _department(ident: str) -> Department | None:
    ident = ident.strip()
    department = Department.objects.filter(code__iexact=ident).first()
    if department is None and ident.isascii() and ident.isdigit() and len(ident) <= 18:
        department = Department.objects.filter(pk=int(ident)).first()
    return department


def _topic(ident: str) -> OpenTopic | None:
    topic = OpenTopic.objects.filter(name=ident).first()
    if topic is None and ident.isascii() and ident.isdigit() and len(ident) <= 18:
        topic = OpenTopic.objects.filter(pk=int(ident)).first()
    return topic


def _resource(user: Any, ident: str) -> OpenResource:
    resource = None
    if ident.isascii() and ident.isdigit() and len(ident) <= 18:
        resource = (
            OpenResource.objects.select_related("dataset__department", "dataset__entry")
            .filter(pk=int(ident))
            .first()
        )
    if resource is None or (
        resource.dataset.state != OpenDataset.State.ACTIVE
        and not _may_publish(user, resource.dataset.department)
    ):
        raise NotFound(f"资源“{ident[:40]}”不存在")
    return resource


# --- reads ------------------------------------------------------------------------------------------------


def status_show(call: Call) -> dict[str, Any]:
    return {
        "site_title": SITE_TITLE,
        "site_description": "恩平市公共数据资源开放（兼容 CKAN Action API）",
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
    active = _datasets().filter(state=OpenDataset.State.ACTIVE)
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
    return package_dict(call.request, _dataset(call.user, ident))


_FQ_TERM: Final = re.compile(
    r'\s*(?:(?:AND|&&)\s+)?([+-]?)([A-Za-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+))\s*'
)


def _fq_condition(field: str, value: str) -> Q | None:
    """The condition of one ``field:value`` term of ``fq``; None for terms that select everything."""
    value = value.replace('\\"', '"')
    if field == "organization":
        return Q(department__code__iexact=value)
    if field == "owner_org":
        department = _department(value)
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
    active = _datasets().filter(state=OpenDataset.State.ACTIVE)
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
        qs = qs.filter(pk__in=ranked)
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
        counted = selectors.open_facets(qs, limit=limit)
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
    qs = Department.objects.filter(pk__in=list(counts))
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
    department = _department(ident)
    if department is None:
        raise NotFound(f"组织（部门）“{ident}”不存在")
    qs = _datasets().filter(state=OpenDataset.State.ACTIVE, department=department).order_by("name")
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
    qs = selectors.open_topics()
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
    topic = _topic(ident)
    if topic is None:
        raise NotFound(f"主题“{ident}”不存在")
    qs = _datasets().filter(state=OpenDataset.State.ACTIVE, topics=topic).order_by("name")
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
    qs = selectors.open_tags()
    if query:
        qs = qs.filter(name__icontains=query)
    tags = list(qs[: MAX_LIST * 10])
    return [tag_dict(t) for t in tags] if all_fields else [t.name for t in tags]


def resource_show(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=40)
    p.check()
    resource = _resource(call.user, ident)
    resources = sorted(resource.dataset.resources.all(), key=lambda r: r.pk)
    position = next((n for n, r in enumerate(resources) if r.pk == resource.pk), 0)
    return resource_dict(call.request, resource, position)


# --- datastore --------------------------------------------------------------------------------------------


def _datastore_items(p: Params, resource_id: str, user: Any) -> tuple[OpenResource, dict[str, DataItem]]:
    resource = _resource(user, resource_id)
    if resource.url:
        raise NotFound(f"资源“{resource_id}”不在数据存储中（只有由库表生成的资源可以查询）")
    entry = CatalogEntry.objects.prefetch_related("items").get(pk=resource.dataset.entry_id)
    if not entry.is_mounted_table:
        raise NotFound(f"资源“{resource_id}”不在数据存储中")
    resource.dataset.entry = entry
    return resource, {i.name: i for i in entry.items.all() if i.mounted}


def datastore_search(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    resource_id = p.text("resource_id", max_length=40) or p.text("id", max_length=40)
    if not resource_id and not p.errors:
        p.error("resource_id", "缺少参数 resource_id")
    limit = p.integer("limit", DEFAULT_RECORDS, minimum=0, maximum=MAX_RECORDS)
    offset = p.integer("offset", 0, maximum=10**9)
    include_total = p.boolean("include_total", True)
    filters = p.mapping("filters") or {}
    fields_raw = p.items("fields")
    sort_raw = p.text("sort", max_length=300)
    q_raw = call.data.get("q")
    p.check()
    resource, items = _datastore_items(p, resource_id, call.user)
    model = tables.build_model(resource.dataset.entry, list(items.values()))
    qs = model.objects.all()
    # fields
    fields = [str(f) for f in fields_raw] if fields_raw else list(items)
    fields = [f for f in fields if f != "_id"]
    unknown = [f[:40] for f in fields if f not in items]
    if unknown:
        p.error("fields", f"字段不存在：{'、'.join(unknown[:10])}")
    # filters: exact values or lists of values, on unmasked fields only (masked ones would leak)
    for name, value in filters.items():
        item = items.get(str(name))
        if item is None:
            p.error("filters", f"“{str(name)[:40]}”不是本资源的字段")
            continue
        refusal = masked_refusal(item, "filter")
        if refusal:
            p.error("filters", refusal)
            continue
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > 100 or any(isinstance(v, dict | list) for v in values):
            p.error("filters", f"字段“{item.name}”的条件应为一个值或 1–100 个值的列表")
            continue
        try:
            typed = [loading.convert(item, v) for v in values]
        except ValueError as exc:
            p.error("filters", f"字段“{item.name}”的条件无效：{exc}")
            continue
        qs = (
            qs.filter(**{f"{item.name}__in": [v for v in typed if v is not None]})
            if any(v is not None for v in typed)
            else qs.filter(**{f"{item.name}__isnull": True})
        )
    # q: a text searched in every unmasked text field, or {field: text}
    searchable = [
        i for i in items.values() if i.data_type == DataType.STRING and not masked_refusal(i, "filter")
    ]
    if isinstance(q_raw, str) and q_raw.strip().startswith("{"):
        try:
            q_raw = json.loads(q_raw)
        except ValueError:
            p.error("q", "参数 q 不是有效的 JSON 对象")
    if isinstance(q_raw, dict):
        for name, text in q_raw.items():
            item = items.get(str(name))
            if item not in searchable or not isinstance(text, str) or len(text) > 200 or has_unstorable(text):
                p.error("q", f"不能在“{str(name)[:40]}”中检索（可检索未脱敏的文本字段，检索词不超过200字）")
                continue
            qs = qs.filter(**{f"{item.name}__contains": text})
    elif isinstance(q_raw, str) and q_raw.strip():
        text = q_raw.strip()
        if len(text) > 200:
            p.error("q", "检索词不能超过200个字")
        else:
            condition = Q(pk__in=[])
            for item in searchable:
                condition |= Q(**{f"{item.name}__contains": text})
            qs = qs.filter(condition)
    elif q_raw not in (None, ""):
        p.error("q", "参数 q 应为字符串或 JSON 对象")
    # sort: "field [asc|desc], ..."
    ordering: list[Any] = []
    for part in sort_raw.split(",") if sort_raw else []:
        words = part.split()
        if not words:
            continue
        name = words[0].strip('"')
        direction = words[1].lower() if len(words) > 1 else "asc"
        item = items.get(name)
        if name == "_id":
            ordering.append(f"{'-' if direction == 'desc' else ''}{tables.ROW_ID}")
        elif item is None or len(words) > 2 or direction not in {"asc", "desc"}:
            p.error("sort", f"无法按“{part.strip()[:40]}”排序")
        elif refusal := masked_refusal(item, "sort"):
            p.error("sort", refusal)
        else:
            ordering.append(f"{'-' if direction == 'desc' else ''}{name}")
    p.check()
    qs = qs.order_by(*ordering, tables.ROW_ID)
    raw_rows = list(qs.values(tables.ROW_ID, *fields)[offset : offset + limit]) if limit else []
    records = []
    for raw in raw_rows:
        record: dict[str, Any] = {"_id": raw[tables.ROW_ID]}
        for name in fields:
            record[name] = tables.json_value(mask_value(items[name], raw[name]))
        records.append(record)
    base = reverse("ckan-action", args=["datastore_search"])
    link_params = {"resource_id": str(resource.pk), "limit": str(limit)}
    result: dict[str, Any] = {
        "resource_id": str(resource.pk),
        "fields": [{"id": "_id", "type": "int"}]
        + [
            {
                "id": name,
                "type": DATASTORE_TYPES.get(DataType(items[name].data_type), "text"),
                "info": {
                    "label": items[name].label,
                    "notes": items[name].description,
                    "masked": is_masked(items[name]),
                },
            }
            for name in fields
        ],
        "records": records,
        "limit": limit,
        "offset": offset,
        "_links": {
            "start": f"{base}?{urlencode(link_params)}",
            "next": f"{base}?{urlencode({**link_params, 'offset': str(offset + limit)})}",
        },
    }
    if sort_raw:
        result["sort"] = sort_raw
    if filters:
        result["filters"] = filters
    if q_raw:
        result["q"] = q_raw
    if include_total:
        result["total"] = qs.count()
        result["total_was_estimated"] = False
    return result


# --- writes (publishers with an API key) --------------------------------------------------------------------


@dataclass
class PackageInput:
    name: str
    title: str
    notes: str
    license_id: str
    tags: list[str]
    topics: list[OpenTopic]
    entry_code: str
    owner_org: str
    state: str
    resources: list[dict[str, Any]] | None


def _package_input(p: Params) -> PackageInput:
    name = p.text("name", required=True, max_length=100).lower()
    if name and not _NAME.match(name):
        p.error("name", "数据集标识（name）应为 2–100 位小写字母、数字、- 或 _")
    title = p.text("title", max_length=200)
    notes = p.text("notes", max_length=20000)
    license_id = p.text("license_id", default="cc-by-4.0", max_length=64)
    if license_id not in LICENSES:
        p.error("license_id", f"不支持的许可协议“{license_id}”（可用：{'、'.join(LICENSES)}）")
    tags: list[str] = []
    for tag in p.items("tags", comma=False) or []:
        value = tag.get("name") if isinstance(tag, dict) else tag
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > 100:
            p.error("tags", '每个标签应为 {"name": "标签"}，标签 1–100 个字')
        else:
            tags.append(value.strip())
    tag_string = p.text("tag_string", max_length=3000)
    tags += [t.strip() for t in tag_string.split(",") if t.strip()]
    topics: list[OpenTopic] = []
    for group in p.items("groups", comma=False) or []:
        ident = (group.get("name") or group.get("id")) if isinstance(group, dict) else group
        topic = _topic(str(ident)[:100]) if isinstance(ident, str | int) and str(ident).strip() else None
        if topic is None:
            p.error("groups", f"主题（group）“{str(ident)[:40]}”不存在")
        else:
            topics.append(topic)
    extras: dict[str, str] = {}
    for extra in p.items("extras", comma=False) or []:
        if not isinstance(extra, dict) or not isinstance(extra.get("key"), str):
            p.error("extras", 'extras 的每一项应为 {"key": ..., "value": ...}')
        elif isinstance(extra.get("value"), str):
            extras[extra["key"]] = extra["value"].strip()
    entry_code = p.text("catalog_entry", max_length=64) or extras.get("catalog_entry", "")
    if p.boolean("private", False):
        p.error("private", "开放数据集都是公开的，不支持私有数据集（private）")
    state = p.text("state", default="active", max_length=16)
    if state not in {"active", "deleted"}:
        p.error("state", "state 应为 active 或 deleted")
    resources = p.items("resources", comma=False) if p.has("resources") else None
    if resources is not None and not all(isinstance(r, dict) for r in resources):
        p.error("resources", "resources 的每一项应为 JSON 对象")
        resources = None
    return PackageInput(
        name=name,
        title=title,
        notes=notes,
        license_id=license_id,
        tags=list(dict.fromkeys(tags)),
        topics=list(dict.fromkeys(topics)),
        entry_code=entry_code,
        owner_org=p.text("owner_org", max_length=64),
        state=state,
        resources=resources,
    )


def _check_owner(p: Params, owner_org: str, department: Department) -> None:
    if owner_org and _department(owner_org) != department:
        p.error(
            "owner_org",
            f"数据集的提供部门由数据目录决定（{department.name}，{department.code.lower()}），"
            "与 owner_org 不符",
        )


def _guess_format(url: str) -> str:
    tail = urlparse(url).path.rsplit("/", 1)[-1]
    extension = tail.rsplit(".", 1)[-1] if "." in tail else ""
    return extension.upper() if re.match(r"^[A-Za-z0-9]{1,16}$", extension) else "URL"


def _is_generated(dataset: OpenDataset | None, data: dict[str, Any]) -> bool:
    """A resource dict that stands for one of the generated CSV/XLSX/JSON (from a dump): left alone."""
    if data.get("url_type") == "datastore":
        return True
    if dataset is None:
        return False
    ident = str(data.get("id") or "")
    return any(str(r.pk) == ident and not r.url for r in dataset.resources.all())


def _resource_values(p: Params, data: dict[str, Any], field: str) -> tuple[str, str, str, str]:
    """(name, url, format, description) of a resource dict, errors under ``field``."""
    rp = Params(data)
    url = rp.text("url", max_length=500)
    name = rp.text("name", max_length=200) or (urlparse(url).path.rsplit("/", 1)[-1] if url else "")
    fmt = rp.text("format", max_length=16) or (_guess_format(url) if url else "")
    description = rp.text("description", max_length=5000)
    for key, messages in rp.errors.items():
        for message in messages:
            p.error(field or key, message)
    return name, url, fmt, description


def _sync_resources(
    call: Call, dataset: OpenDataset, resources: list[dict[str, Any]], *, replace: bool
) -> None:
    """Create, update and (with ``replace``) remove the attached resources to match ``resources``."""
    attached = {str(r.pk): r for r in dataset.resources.all() if r.url}
    seen: set[str] = set()
    p = Params({})
    plans: list[tuple[OpenResource | None, tuple[str, str, str, str]]] = []
    for data in resources:
        if _is_generated(dataset, data):
            continue
        values = _resource_values(p, data, "resources")
        current = attached.get(str(data.get("id") or ""))
        if current is not None:
            seen.add(str(current.pk))
        plans.append((current, values))
    p.check()
    for current, (name, url, fmt, description) in plans:
        if current is None:
            services.resource_add(
                actor=call.user,
                dataset=dataset,
                name=name or dataset.title,
                url=url,
                format=fmt,
                description=description,
            )
        else:
            services.resource_update(
                actor=call.user,
                resource=current,
                name=name or current.name,
                format=fmt or current.format,
                url=url or None,
                description=description,
            )
    if replace:
        for pk, resource in attached.items():
            if pk not in seen:
                services.resource_delete(actor=call.user, resource=resource)


def package_create(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    values = _package_input(p)
    if not values.entry_code:
        p.error(
            "catalog_entry",
            "请指明要开放的数据目录：extras 中的 catalog_entry（或参数 catalog_entry），填数据目录的资源代码",
        )
    entry = None
    if values.entry_code:
        entry = CatalogEntry.objects.select_related("department").filter(code=values.entry_code).first()
        if entry is None:
            p.error("catalog_entry", f"数据目录“{values.entry_code}”不存在")
    if entry is not None:
        # who may not publish for the entry's department learns nothing more about it
        services.require(call.user, services.PERM_PUBLISH, entry.department)
        _check_owner(p, values.owner_org, entry.department)
        existing = OpenDataset.objects.filter(entry=entry, state=OpenDataset.State.ACTIVE).first()
        if existing is not None:
            p.error("catalog_entry", f"该数据目录已开放为数据集“{existing.name}”，请用 package_update 修改")
    if values.state != "active":
        p.error("state", "新建的数据集只能是 active")
    if values.name and OpenDataset.objects.filter(name=values.name).exclude(entry=entry).exists():
        p.error("name", f"数据集标识“{values.name}”已被使用")
    p.check()
    assert entry is not None
    dataset = services.dataset_publish(
        actor=call.user,
        entry=entry,
        name=values.name,
        title=values.title,
        notes=values.notes,
        tags=values.tags,
        topics=values.topics,
        license_id=values.license_id,
    )
    if values.resources:
        _sync_resources(call, dataset, values.resources, replace=False)
    return package_dict(call.request, _dataset(call.user, dataset.name))


def _update(call: Call, data: dict[str, Any], *, keep_resources: bool) -> dict[str, Any]:
    p = Params(data)
    ident = p.text("id", max_length=100) or p.text("name", max_length=100)
    if not ident:
        p.error("id", "缺少参数 id（数据集的 id 或 name）")
        p.check()
    dataset = _dataset(call.user, ident)
    services.require(call.user, services.PERM_PUBLISH, dataset.department)
    if "name" not in data:
        data = {**data, "name": dataset.name}
    p = Params(data)
    values = _package_input(p)
    if values.entry_code and values.entry_code != dataset.entry.code:
        p.error("catalog_entry", f"数据集对应的数据目录（{dataset.entry.code}）不能修改")
    _check_owner(p, values.owner_org, dataset.department)
    p.check()
    dataset = services.dataset_update(
        actor=call.user,
        dataset=dataset,
        name=values.name,
        title=values.title,
        notes=values.notes,
        tags=values.tags,
        topics=values.topics,
        license_id=values.license_id,
        active=values.state == "active",
    )
    if values.resources is not None and not keep_resources:
        _sync_resources(call, _dataset(call.user, str(dataset.pk)), values.resources, replace=True)
    return package_dict(call.request, _dataset(call.user, str(dataset.pk)))


def package_update(call: Call) -> dict[str, Any]:
    return _update(call, call.data, keep_resources=False)


def package_patch(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=100)
    p.check()
    current = package_dict(call.request, _dataset(call.user, ident))
    merged = {
        k: v
        for k, v in current.items()
        if k in {"name", "title", "notes", "license_id", "tags", "groups", "state"}
    }
    merged.update(call.data)
    merged["id"] = current["id"]
    return _update(call, merged, keep_resources="resources" not in call.data)


def package_delete(call: Call) -> None:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=100)
    p.check()
    dataset = _dataset(call.user, ident)
    services.dataset_unpublish(actor=call.user, dataset=dataset)
    return None


def resource_create(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    package_id = p.text("package_id", required=True, max_length=100)
    upload = call.data.get("upload")
    if upload is not None and upload != "" and not isinstance(upload, UploadedFile):
        p.error("upload", "upload 应为以 multipart/form-data 上传的文件")
    name, url, fmt, description = _resource_values(p, call.data, "")
    if not isinstance(upload, UploadedFile) and not url:
        p.error("url", "请提供资源地址 url，或以 multipart/form-data 上传文件 upload")
    p.check()
    dataset = _dataset(call.user, package_id)
    if dataset.state != OpenDataset.State.ACTIVE:
        raise NotFound(f"数据集“{package_id}”已下架")
    if isinstance(upload, UploadedFile):
        content = upload.read()
        resource = services.resource_upload(
            actor=call.user,
            dataset=dataset,
            name=name if name and name != url else "",
            filename=upload.name or "",
            content=content,
            format=fmt if not url else "",
            description=description,
            url_for=lambda r: absolute(call.request, file_path(r)),
        )
    else:
        resource = services.resource_add(
            actor=call.user,
            dataset=dataset,
            name=name or dataset.title,
            url=url,
            format=fmt,
            description=description,
        )
    return resource_dict(call.request, _resource(call.user, str(resource.pk)), dataset.resources.count() - 1)


def _resource_edit(call: Call, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data)
    ident = p.text("id", required=True, max_length=40)
    if isinstance(data.get("upload"), UploadedFile):
        p.error("upload", "不能替换已上传的文件：请新建资源（resource_create）后删除旧资源")
    p.check()
    resource = _resource(call.user, ident)
    if not resource.url:
        raise ValidationFailed.for_field("id", "由库表生成的 CSV/XLSX/JSON 资源随数据更新，不能修改或删除")
    name, url, fmt, description = _resource_values(p, data, "")
    p.check()
    services.resource_update(
        actor=call.user,
        resource=resource,
        name=name or resource.name,
        format=fmt or resource.format,
        url=url or None,
        description=description,
    )
    return resource_dict(call.request, _resource(call.user, ident))


def resource_update(call: Call) -> dict[str, Any]:
    return _resource_edit(call, call.data)


def resource_patch(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=40)
    p.check()
    current = resource_dict(call.request, _resource(call.user, ident))
    merged = {k: current[k] for k in ("name", "format", "description")}
    if current["url_type"] is None:
        merged["url"] = current["url"]
    return _resource_edit(call, {**merged, **call.data})


def resource_delete(call: Call) -> None:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=40)
    p.check()
    resource = _resource(call.user, ident)
    if not resource.url:
        raise ValidationFailed.for_field("id", "由库表生成的 CSV/XLSX/JSON 资源随数据更新，不能修改或删除")
    services.resource_delete(actor=call.user, resource=resource)
    return None


# --- registry ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    function: Callable[[Call], Any]
    help: str
    write: bool = False


def help_show(call: Call) -> str:
    p = Params(call.data)
    name = p.text("name", required=True, max_length=100)
    p.check()
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(f"接口“{name}”不存在")
    return action.help


ACTIONS: Final[dict[str, Action]] = {
    "status_show": Action(status_show, "平台状态：名称、地址、兼容的 CKAN 版本与扩展。"),
    "help_show": Action(help_show, "接口说明。参数：name（接口名）。"),
    "package_list": Action(package_list, "已开放数据集的标识（name）列表。参数：limit、offset。"),
    "package_show": Action(package_show, "一个数据集。参数：id（数据集的 id 或 name）。"),
    "current_package_list_with_resources": Action(
        current_package_list_with_resources,
        "最近更新的数据集（含资源），新的在前。参数：limit（≤1000）、offset。",
    ),
    "license_list": Action(license_list, "可用的许可协议。"),
    "package_search": Action(
        package_search,
        "检索数据集。参数：q（中文全文检索）、fq（organization:、tags:、groups:、res_format:、name:、"
        "license_id: 条件，可加 - 排除）、rows（≤1000）、start、sort（score、name、title、metadata_modified、"
        "metadata_created，加 asc/desc）、facet.field（organization、groups、tags、res_format）、"
        "facet.limit。",
    ),
    "organization_list": Action(
        organization_list,
        "有开放数据集的部门（组织）。参数：all_fields、sort、limit、offset、organizations。",
    ),
    "organization_show": Action(
        organization_show, "一个部门（组织）。参数：id（部门编码或 id）、include_datasets。"
    ),
    "group_list": Action(group_list, "开放主题（group）。参数：all_fields、sort、limit、offset、groups。"),
    "group_show": Action(group_show, "一个开放主题。参数：id（主题标识或 id）、include_datasets。"),
    "tag_list": Action(tag_list, "已开放数据集的标签。参数：query（包含的文字）、all_fields。"),
    "resource_show": Action(resource_show, "一个资源。参数：id。"),
    "datastore_search": Action(
        datastore_search,
        "查询由库表生成的资源中的记录（个人信息已脱敏）。参数：resource_id、limit（≤1000）、offset、"
        "q（文本或 {字段: 文本}）、filters（{字段: 值或值列表}）、fields、"
        'sort（如 "capacity desc"）、include_total。',
    ),
    "package_create": Action(
        package_create,
        "开放一个数据目录为数据集（需 API 密钥）。参数：name、title、notes、license_id、tags、groups、"
        "owner_org、"
        "extras 中的 catalog_entry（数据目录的资源代码）、resources（外部链接）。",
        write=True,
    ),
    "package_update": Action(
        package_update, "替换数据集的元数据（需 API 密钥）。参数同 package_create，加 id。", write=True
    ),
    "package_patch": Action(
        package_patch, "修改数据集的部分元数据（需 API 密钥）。参数：id 和要修改的字段。", write=True
    ),
    "package_delete": Action(package_delete, "下架数据集（需 API 密钥）。参数：id。", write=True),
    "resource_create": Action(
        resource_create,
        "为数据集添加资源（需 API 密钥）：url 链接，或以 multipart/form-data 上传文件 upload。"
        "参数：package_id、"
        "name、format、description。",
        write=True,
    ),
    "resource_update": Action(
        resource_update,
        "修改附加的资源（需 API 密钥）。参数：id、name、url、format、description。",
        write=True,
    ),
    "resource_patch": Action(
        resource_patch, "修改附加资源的部分字段（需 API 密钥）。参数：id 和要修改的字段。", write=True
    ),
    "resource_delete": Action(resource_delete, "删除附加的资源（需 API 密钥）。参数：id。", write=True),
}
