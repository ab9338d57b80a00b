"""Mounting an entry: a platform-managed table built from its data items, a file, or an external API."""

from __future__ import annotations

import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.crypto import sm3_hex
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.datahub import tables
from shuzheng.datahub.models import (
    CatalogEntry,
    DataItem,
    MountKind,
    ResourceFormat,
)
from shuzheng.datahub.services import (
    PERM_LOAD,
    require,
)
from shuzheng.identity.actors import Actor


@transaction.atomic
def entry_mount_table(*, actor: Actor, entry: CatalogEntry) -> CatalogEntry:
    """Create the platform-managed table from the entry's data items (idempotent once mounted)."""
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    require(actor, PERM_LOAD, entry.department)
    if entry.is_mounted_table:
        return entry
    if entry.mount_kind:
        raise Conflict("该资源已挂接为其他方式", code="already_mounted")
    if entry.format != ResourceFormat.TABLE:
        raise ValidationFailed.for_field("format", "只有“库表”格式的资源可以挂接库表")
    items = list(entry.items.all())
    if not items:
        raise ValidationFailed.for_field("items", "没有信息项，不能建表")
    name = tables.table_name(entry)
    if tables.table_exists(name):
        raise Conflict(f"数据表 {name} 已存在", code="table_exists")
    tables.create_table(entry, items)
    DataItem.objects.filter(entry=entry).update(mounted=True)
    entry.mount_kind = MountKind.TABLE
    entry.mount_table = name
    entry.mounted_at = timezone.now()
    entry.save(update_fields=["mount_kind", "mount_table", "mounted_at", "updated_at"])
    audit.record(
        actor=actor, action="datahub.entry.mount", subject=entry, after={"kind": "table", "table": name}
    )
    return entry


@transaction.atomic
def entry_mount_file(*, actor: Actor, entry: CatalogEntry, filename: str, content: bytes) -> CatalogEntry:
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    require(actor, PERM_LOAD, entry.department)
    if entry.mount_kind not in ("", MountKind.FILE):
        raise Conflict("该资源已挂接为其他方式", code="already_mounted")
    if not content:
        raise ValidationFailed.for_field("file", "文件为空")
    safe = re.sub(r"[^\w.\-]+", "_", filename or "file")[-80:]
    entry.mount_file.save(safe, ContentFile(content), save=False)
    entry.mount_kind = MountKind.FILE
    entry.mounted_at = timezone.now()
    entry.last_loaded_at = entry.mounted_at
    entry.save()
    audit.record(
        actor=actor,
        action="datahub.entry.mount",
        subject=entry,
        after={"kind": "file", "name": safe, "sm3": sm3_hex(content)},
    )
    return entry


@transaction.atomic
def entry_mount_api(*, actor: Actor, entry: CatalogEntry, url: str, description: str) -> CatalogEntry:
    entry = CatalogEntry.objects.select_for_update().select_related("department").get(pk=entry.pk)
    require(actor, PERM_LOAD, entry.department)
    if entry.mount_kind not in ("", MountKind.API):
        raise Conflict("该资源已挂接为其他方式", code="already_mounted")
    errs = FieldErrors()
    url = (url or "").strip()
    if not re.match(r"^https?://[^\s]{3,190}$", url):
        errs.add("url", "接口地址应为 http(s):// 开头的网址")
    if not (description or "").strip():
        errs.add("description", "请填写接口说明（调用方式、参数、返回字段）")
    errs.raise_if_any()
    entry.mount_kind = MountKind.API
    entry.api_url = url
    entry.api_description = description.strip()
    entry.mounted_at = timezone.now()
    entry.save()
    audit.record(actor=actor, action="datahub.entry.mount", subject=entry, after={"kind": "api", "url": url})
    return entry
