"""Open data: publishing open entries as datasets with generated resources, their metadata, attached
resources (links and files) and topics."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.crypto import sm3_hex
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.datahub.models import (
    CatalogEntry,
    EntryStatus,
    OpenDataset,
    Openness,
    OpenResource,
    OpenTag,
    OpenTopic,
)
from shuzheng.datahub.services import (
    PERM_PUBLISH,
    require,
    user_of,
)
from shuzheng.identity.actors import Actor

DATASET_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")


def can_open(entry: CatalogEntry) -> bool:
    if entry.status != EntryStatus.PUBLISHED or not entry.is_mounted_table:
        return False
    return entry.openness == Openness.OPEN or (entry.openness == Openness.CONDITIONAL and entry.open_approved)


@transaction.atomic
def dataset_publish(
    *,
    actor: Actor,
    entry: CatalogEntry,
    name: str = "",
    title: str = "",
    notes: str = "",
    tags: Iterable[str] = (),
    topics: Iterable[OpenTopic] = (),
    license_id: str = "cc-by-4.0",
) -> OpenDataset:
    """Publish (or re-publish) an open entry as an open dataset with CSV, XLSX and JSON resources.

    Only 开放 entries, or 有条件开放 ones whose opening was approved, with a mounted table qualify.
    """
    entry = CatalogEntry.objects.select_related("department").get(pk=entry.pk)
    require(actor, PERM_PUBLISH, entry.department)
    if not can_open(entry):
        raise Conflict(
            "只有已发布、已挂接库表且属性为“开放”（或已批准的“有条件开放”）的资源可以开放",
            code="not_openable",
        )
    name = (name or f"ep-{entry.pk}").strip().lower()
    errs = FieldErrors()
    if not DATASET_NAME.match(name):
        errs.add("name", "数据集标识应为 2–100 位小写字母、数字、- 或 _")
    elif OpenDataset.objects.filter(name=name).exclude(entry=entry).exists():
        errs.add("name", f"数据集标识“{name}”已被使用")
    clean_tags = [t.strip()[:100] for t in tags if t and t.strip()]
    if len(clean_tags) > 30:
        errs.add("tags", "标签不能超过30个")
    if len(title or "") > 200:
        errs.add("title", "标题不能超过200个字")
    errs.raise_if_any()
    dataset, created = OpenDataset.objects.get_or_create(
        entry=entry,
        defaults={"name": name, "title": title or entry.name, "department": entry.department},
    )
    dataset.name = name
    dataset.title = (title or entry.name).strip()
    dataset.notes = (notes or entry.abstract).strip()
    dataset.license_id = license_id
    dataset.department = entry.department
    dataset.state = OpenDataset.State.ACTIVE
    dataset.published_at = timezone.now()
    dataset.published_by = user_of(actor)
    dataset.save()
    tag_objs = [OpenTag.objects.get_or_create(name=t)[0] for t in dict.fromkeys(clean_tags)]
    dataset.tags.set(tag_objs)
    dataset.topics.set(list(topics))
    for fmt in OpenResource.GENERATED:
        OpenResource.objects.get_or_create(
            dataset=dataset, format=fmt, url="", defaults={"name": f"{dataset.title}（{fmt}）"}
        )
    from shuzheng.core import fulltext

    text = f"{dataset.title} {dataset.notes} {' '.join(clean_tags)} {entry.department.name}"
    fulltext.index("datahub.open", dataset.pk, text)
    audit.record(
        actor=actor,
        action="datahub.open.publish",
        subject=dataset,
        after={"name": dataset.name, "entry": entry.code, "created": created},
    )
    return dataset


@transaction.atomic
def dataset_unpublish(*, actor: Actor, dataset: OpenDataset) -> OpenDataset:
    dataset = OpenDataset.objects.select_related("department").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    if dataset.state != OpenDataset.State.DELETED:
        dataset.state = OpenDataset.State.DELETED
        dataset.save(update_fields=["state", "updated_at"])
        from shuzheng.core import fulltext

        fulltext.remove("datahub.open", dataset.pk)
        audit.record(
            actor=actor, action="datahub.open.unpublish", subject=dataset, after={"name": dataset.name}
        )
    return dataset


@transaction.atomic
def resource_add(
    *,
    actor: Actor,
    dataset: OpenDataset,
    name: str,
    url: str,
    format: str,
    description: str = "",
) -> OpenResource:
    """An external resource (a link: API documentation, a PDF…) of an open dataset (CKAN resource_create)."""
    dataset = OpenDataset.objects.select_related("department").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    errs = FieldErrors()
    name = (name or "").strip()
    fmt = (format or "").strip().upper()
    if not name or len(name) > 200:
        errs.add("name", "资源名称不能为空且不超过200个字")
    if not re.match(r"^https?://[^\s]{3,490}$", url or ""):
        errs.add("url", "外部地址应为 http(s):// 开头的网址")
    if not re.match(r"^[A-Z0-9]{1,16}$", fmt):
        errs.add("format", "格式应为 1–16 位字母或数字，如 API、PDF")
    errs.raise_if_any()
    resource = OpenResource.objects.create(
        dataset=dataset, name=name, url=url, format=fmt, description=(description or "").strip()
    )
    audit.record(
        actor=actor, action="datahub.open.resource", subject=resource, after={"url": url, "format": fmt}
    )
    return resource


def resource_download_record(*, resource: OpenResource) -> None:
    """Count a download of an open resource (and of its dataset); no audit: the public reads it."""
    from django.db.models import F

    OpenResource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    OpenDataset.objects.filter(pk=resource.dataset_id).update(download_count=F("download_count") + 1)


@transaction.atomic
def topic_ensure(*, actor: Actor, name: str, title: str, description: str = "") -> OpenTopic:
    require(actor, PERM_PUBLISH, None)
    if not DATASET_NAME.match(name or ""):
        raise ValidationFailed.for_field("name", "主题标识应为 2–100 位小写字母、数字、- 或 _")
    topic, created = OpenTopic.objects.get_or_create(
        name=name, defaults={"title": title, "description": description}
    )
    if created:
        audit.record(
            actor=actor, action="datahub.open.topic", subject=topic, after={"name": name, "title": title}
        )
    return topic


# --- open data: edits through the CKAN Action API ----------------------------------------------------

#: File types a publisher may attach to an open dataset (resource_create with an upload).
RESOURCE_FILE_TYPES: Final = frozenset(
    {"csv", "xlsx", "xls", "json", "pdf", "zip", "txt", "xml", "geojson", "docx", "doc", "ofd", "png", "jpg"}
)


def dataset_snapshot(dataset: OpenDataset) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes[:500],
        "license_id": dataset.license_id,
        "state": dataset.state,
        "tags": sorted(t.name for t in dataset.tags.all()),
        "topics": sorted(t.name for t in dataset.topics.all()),
    }


@transaction.atomic
def dataset_update(
    *,
    actor: Actor,
    dataset: OpenDataset,
    name: str,
    title: str,
    notes: str = "",
    tags: Iterable[str] = (),
    topics: Iterable[OpenTopic] = (),
    license_id: str = "cc-by-4.0",
    active: bool = True,
) -> OpenDataset:
    """Replace a dataset's metadata (CKAN package_update): name, title, description, licence, tags and
    topics; ``active=False`` takes it off the portal, ``active=True`` re-opens a withdrawn one (only while
    its catalog entry may still be opened). Its providing department follows the catalog entry."""
    dataset = OpenDataset.objects.select_for_update().select_related("department", "entry").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    before = dataset_snapshot(dataset)
    errs = FieldErrors()
    name = (name or "").strip().lower()
    title = (title or "").strip() or dataset.entry.name
    if not DATASET_NAME.match(name):
        errs.add("name", "数据集标识应为 2–100 位小写字母、数字、- 或 _")
    elif OpenDataset.objects.filter(name=name).exclude(pk=dataset.pk).exists():
        errs.add("name", f"数据集标识“{name}”已被使用")
    if len(title) > 200:
        errs.add("title", "标题不能超过200个字")
    clean_tags = list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    if len(clean_tags) > 30:
        errs.add("tags", "标签不能超过30个")
    if any(len(t) > 100 for t in clean_tags):
        errs.add("tags", "每个标签不能超过100个字")
    if not re.match(r"^[A-Za-z0-9._-]{1,64}$", license_id or ""):
        errs.add("license_id", "许可协议标识应为 1–64 位字母、数字、点、- 或 _")
    errs.raise_if_any()
    if active and dataset.state == OpenDataset.State.DELETED and not can_open(dataset.entry):
        raise Conflict(
            "该数据集对应的数据目录已不满足开放条件（已发布、已挂接库表且属性为“开放”），不能重新开放",
            code="not_openable",
        )
    dataset.name = name
    dataset.title = title
    dataset.notes = (notes or "").strip()
    dataset.license_id = license_id
    if active and dataset.state == OpenDataset.State.DELETED:
        dataset.published_at = timezone.now()
        dataset.published_by = user_of(actor)
    dataset.state = OpenDataset.State.ACTIVE if active else OpenDataset.State.DELETED
    dataset.save()
    dataset.tags.set([OpenTag.objects.get_or_create(name=t)[0] for t in clean_tags])
    dataset.topics.set(list(topics))
    from shuzheng.core import fulltext

    if active:
        text = f"{dataset.title} {dataset.notes} {' '.join(clean_tags)} {dataset.department.name}"
        fulltext.index("datahub.open", dataset.pk, text)
    else:
        fulltext.remove("datahub.open", dataset.pk)
    audit.record(
        actor=actor,
        action="datahub.open.update",
        subject=dataset,
        before=before,
        after=dataset_snapshot(dataset),
    )
    return dataset


def _resource_fields(errs: FieldErrors, name: str, format: str) -> tuple[str, str]:
    name = (name or "").strip()
    fmt = (format or "").strip().upper()
    if not name or len(name) > 200:
        errs.add("name", "资源名称不能为空且不超过200个字")
    if not re.match(r"^[A-Z0-9]{1,16}$", fmt):
        errs.add("format", "格式应为 1–16 位字母或数字，如 API、PDF")
    return name, fmt


@transaction.atomic
def resource_upload(
    *,
    actor: Actor,
    dataset: OpenDataset,
    name: str,
    filename: str,
    content: bytes,
    format: str = "",
    description: str = "",
    url_for: Any,
) -> OpenResource:
    """A file attached to an open dataset (CKAN resource_create with ``upload``). ``url_for(resource)``
    gives the address the file is served at, stored as the resource's ``url``."""
    dataset = OpenDataset.objects.select_related("department").get(pk=dataset.pk)
    require(actor, PERM_PUBLISH, dataset.department)
    errs = FieldErrors()
    base = re.sub(r"[^\w.\-]+", "_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if not base or extension not in RESOURCE_FILE_TYPES:
        errs.add("upload", f"上传文件的类型不受支持（可用：{'、'.join(sorted(RESOURCE_FILE_TYPES))}）")
    if not content:
        errs.add("upload", "上传的文件是空的")
    name, fmt = _resource_fields(errs, name or base, format or extension)
    errs.raise_if_any()
    resource = OpenResource(
        dataset=dataset, name=name, format=fmt, description=(description or "").strip(), url="https://pending"
    )
    resource.save()
    resource.file.save(base[-120:], ContentFile(content), save=False)
    resource.url = url_for(resource)
    resource.save(update_fields=["file", "url", "updated_at"])
    audit.record(
        actor=actor,
        action="datahub.open.resource",
        subject=resource,
        after={"file": resource.file.name, "format": fmt, "bytes": len(content), "sm3": sm3_hex(content)},
    )
    return resource


@transaction.atomic
def resource_update(
    *,
    actor: Actor,
    resource: OpenResource,
    name: str,
    format: str,
    url: str | None = None,
    description: str = "",
) -> OpenResource:
    """Edit an attached resource (link or uploaded file); the generated CSV/XLSX/JSON follow the table."""
    resource = OpenResource.objects.select_related("dataset__department").get(pk=resource.pk)
    require(actor, PERM_PUBLISH, resource.dataset.department)
    if not resource.url:
        raise Conflict("由库表生成的资源不能修改", code="generated_resource")
    before = {"name": resource.name, "format": resource.format, "url": resource.url}
    errs = FieldErrors()
    name, fmt = _resource_fields(errs, name, format)
    if url is not None and not resource.file and not re.match(r"^https?://[^\s]{3,490}$", url):
        errs.add("url", "外部地址应为 http(s):// 开头的网址")
    errs.raise_if_any()
    resource.name, resource.format = name, fmt
    resource.description = (description or "").strip()
    if url is not None and not resource.file:
        resource.url = url
    resource.save()
    audit.record(
        actor=actor,
        action="datahub.open.resource_update",
        subject=resource,
        before=before,
        after={"name": resource.name, "format": resource.format, "url": resource.url},
    )
    return resource


@transaction.atomic
def resource_delete(*, actor: Actor, resource: OpenResource) -> None:
    """Remove an attached resource (link or uploaded file) from its dataset."""
    resource = OpenResource.objects.select_related("dataset__department").get(pk=resource.pk)
    require(actor, PERM_PUBLISH, resource.dataset.department)
    if not resource.url:
        raise Conflict("由库表生成的资源不能删除", code="generated_resource")
    audit.record(
        actor=actor,
        action="datahub.open.resource_delete",
        subject=resource,
        before={"name": resource.name, "format": resource.format, "url": resource.url},
    )
    stored = resource.file.name if resource.file else ""
    resource.delete()
    if stored:
        storage = OpenResource._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(stored))
