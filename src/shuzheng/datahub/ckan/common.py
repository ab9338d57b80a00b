"""What every CKAN action shares: the call, typed parameters, CKAN's object shapes and the lookups."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from shuzheng.core.errors import MalformedRequest, NotFound
from shuzheng.core.field_errors import FieldErrors
from shuzheng.datahub import services
from shuzheng.datahub.models import (
    DataType,
    OpenDataset,
    OpenResource,
    OpenTag,
    OpenTopic,
)
from shuzheng.identity.scopes import data_scope_for

if TYPE_CHECKING:
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
NAME_PATTERN: Final = re.compile(r"^[a-z0-9_-]{2,100}$")


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
        self.errors = FieldErrors()

    def error(self, field: str, message: str) -> None:
        self.errors.add(field, message)

    def check(self) -> None:
        self.errors.raise_if_any()

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


@lru_cache(maxsize=16384)
def _reversed(urlconf: str, script_prefix: str, name: str, args: tuple[Any, ...]) -> str | None:
    try:
        return reverse(name, args=args, urlconf=urlconf)
    except NoReverseMatch:
        return None


def _reverse(name: str, *args: Any) -> str | None:
    """`reverse`, remembered per URLconf and script prefix: a page of 100 packages reverses some 500 URLs
    that do not change (a dataset's page by its name, a resource's download by its id)."""
    return _reversed(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name, args)


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


def dataset_queryset() -> QuerySet[OpenDataset]:
    return OpenDataset.objects.select_related("department", "entry").prefetch_related(
        "tags", "topics", "resources"
    )


def _may_publish(user: Any, department: Department) -> bool:
    if user is None or not user.has_perm(services.PERM_PUBLISH):
        return False
    return bool(data_scope_for(user, services.PERM_PUBLISH).covers_department(department))


def find_dataset(user: Any, ident: str) -> OpenDataset:
    """A dataset by name or id; withdrawn ones only for publishers over their department."""
    dataset = dataset_queryset().filter(name=ident).first()
    if dataset is None and ident.isascii() and ident.isdigit() and len(ident) <= 18:
        dataset = dataset_queryset().filter(pk=int(ident)).first()
    if dataset is None or (
        dataset.state != OpenDataset.State.ACTIVE and not _may_publish(user, dataset.department)
    ):
        raise NotFound(f"数据集“{ident[:100]}”不存在")
    return dataset


def find_topic(ident: str) -> OpenTopic | None:
    topic = OpenTopic.objects.filter(name=ident).first()
    if topic is None and ident.isascii() and ident.isdigit() and len(ident) <= 18:
        topic = OpenTopic.objects.filter(pk=int(ident)).first()
    return topic


def find_resource(user: Any, ident: str) -> OpenResource:
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
