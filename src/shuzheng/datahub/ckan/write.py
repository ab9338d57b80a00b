"""CKAN's write actions (publisher's API key): packages and the resources attached to them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from django.core.files.uploadedfile import UploadedFile

from shuzheng.core.errors import NotFound, ValidationFailed
from shuzheng.datahub import services
from shuzheng.datahub.ckan.common import (
    LICENSES,
    NAME_PATTERN,
    Call,
    Params,
    absolute,
    file_path,
    find_dataset,
    find_resource,
    find_topic,
    package_dict,
    resource_dict,
)
from shuzheng.datahub.models import (
    CatalogEntry,
    OpenDataset,
    OpenResource,
    OpenTopic,
)
from shuzheng.datahub.services import open_data as open_data_services
from shuzheng.orgs import selectors as org_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department

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
    if name and not NAME_PATTERN.match(name):
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
        topic = find_topic(str(ident)[:100]) if isinstance(ident, str | int) and str(ident).strip() else None
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
    if owner_org and org_selectors.department_by_code_or_id(owner_org) != department:
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
    for item in rp.errors.items:
        p.error(field or item["field"], item["message"])
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
            open_data_services.resource_add(
                actor=call.user,
                dataset=dataset,
                name=name or dataset.title,
                url=url,
                format=fmt,
                description=description,
            )
        else:
            open_data_services.resource_update(
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
                open_data_services.resource_delete(actor=call.user, resource=resource)


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
    dataset = open_data_services.dataset_publish(
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
    return package_dict(call.request, find_dataset(call.user, dataset.name))


def _update(call: Call, data: dict[str, Any], *, keep_resources: bool) -> dict[str, Any]:
    p = Params(data)
    ident = p.text("id", max_length=100) or p.text("name", max_length=100)
    if not ident:
        p.error("id", "缺少参数 id（数据集的 id 或 name）")
        p.check()
    dataset = find_dataset(call.user, ident)
    services.require(call.user, services.PERM_PUBLISH, dataset.department)
    if "name" not in data:
        data = {**data, "name": dataset.name}
    p = Params(data)
    values = _package_input(p)
    if values.entry_code and values.entry_code != dataset.entry.code:
        p.error("catalog_entry", f"数据集对应的数据目录（{dataset.entry.code}）不能修改")
    _check_owner(p, values.owner_org, dataset.department)
    p.check()
    dataset = open_data_services.dataset_update(
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
        _sync_resources(call, find_dataset(call.user, str(dataset.pk)), values.resources, replace=True)
    return package_dict(call.request, find_dataset(call.user, str(dataset.pk)))


def package_update(call: Call) -> dict[str, Any]:
    return _update(call, call.data, keep_resources=False)


def package_patch(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=100)
    p.check()
    current = package_dict(call.request, find_dataset(call.user, ident))
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
    dataset = find_dataset(call.user, ident)
    open_data_services.dataset_unpublish(actor=call.user, dataset=dataset)
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
    dataset = find_dataset(call.user, package_id)
    if dataset.state != OpenDataset.State.ACTIVE:
        raise NotFound(f"数据集“{package_id}”已下架")
    if isinstance(upload, UploadedFile):
        content = upload.read()
        resource = open_data_services.resource_upload(
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
        resource = open_data_services.resource_add(
            actor=call.user,
            dataset=dataset,
            name=name or dataset.title,
            url=url,
            format=fmt,
            description=description,
        )
    return resource_dict(
        call.request, find_resource(call.user, str(resource.pk)), dataset.resources.count() - 1
    )


def _resource_edit(call: Call, data: dict[str, Any]) -> dict[str, Any]:
    p = Params(data)
    ident = p.text("id", required=True, max_length=40)
    if isinstance(data.get("upload"), UploadedFile):
        p.error("upload", "不能替换已上传的文件：请新建资源（resource_create）后删除旧资源")
    p.check()
    resource = find_resource(call.user, ident)
    if not resource.url:
        raise ValidationFailed.for_field("id", "由库表生成的 CSV/XLSX/JSON 资源随数据更新，不能修改或删除")
    name, url, fmt, description = _resource_values(p, data, "")
    p.check()
    open_data_services.resource_update(
        actor=call.user,
        resource=resource,
        name=name or resource.name,
        format=fmt or resource.format,
        url=url or None,
        description=description,
    )
    return resource_dict(call.request, find_resource(call.user, ident))


def resource_update(call: Call) -> dict[str, Any]:
    return _resource_edit(call, call.data)


def resource_patch(call: Call) -> dict[str, Any]:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=40)
    p.check()
    current = resource_dict(call.request, find_resource(call.user, ident))
    merged = {k: current[k] for k in ("name", "format", "description")}
    if current["url_type"] is None:
        merged["url"] = current["url"]
    return _resource_edit(call, {**merged, **call.data})


def resource_delete(call: Call) -> None:
    p = Params(call.data)
    ident = p.text("id", required=True, max_length=40)
    p.check()
    resource = find_resource(call.user, ident)
    if not resource.url:
        raise ValidationFailed.for_field("id", "由库表生成的 CSV/XLSX/JSON 资源随数据更新，不能修改或删除")
    open_data_services.resource_delete(actor=call.user, resource=resource)
    return None
