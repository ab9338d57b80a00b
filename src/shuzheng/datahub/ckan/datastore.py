"""CKAN's datastore_search over the mounted table behind a generated resource (personal fields masked)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from shuzheng.core.errors import NotFound
from shuzheng.core.schemas import has_unstorable
from shuzheng.datahub import loading, tables
from shuzheng.datahub.access import is_masked, mask_value, masked_refusal
from shuzheng.datahub.ckan.common import (
    DATASTORE_TYPES,
    DEFAULT_RECORDS,
    MAX_RECORDS,
    Call,
    Params,
    find_resource,
)
from shuzheng.datahub.models import (
    CatalogEntry,
    DataItem,
    DataType,
    OpenResource,
)

# --- datastore --------------------------------------------------------------------------------------------


def _datastore_items(p: Params, resource_id: str, user: Any) -> tuple[OpenResource, dict[str, DataItem]]:
    resource = find_resource(user, resource_id)
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
