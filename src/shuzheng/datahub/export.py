"""Downloads of open datasets as CSV (UTF-8 with BOM, so Excel reads Chinese), xlsx and JSON.

Rows are read in chunks with the data items' masking applied to every masked column (open data never
carries clear personal data); the header row uses the Chinese labels for CSV/xlsx and field names for
JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, Final

from openpyxl import Workbook

from shuzheng.datahub import tables
from shuzheng.datahub.access import mask_value
from shuzheng.datahub.models import CatalogEntry, DataItem, OpenDataset, OpenResource

CONTENT_TYPES: Final = {
    "CSV": "text/csv; charset=utf-8",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "JSON": "application/json",
}
MAX_EXPORT_ROWS: Final = 1_000_000


def _rows(entry: CatalogEntry, items: list[DataItem]) -> Iterator[list[Any]]:
    model = tables.build_model(entry)
    names = [i.name for i in items]
    for raw in (
        model.objects.order_by(tables.ROW_ID).values_list(*names)[:MAX_EXPORT_ROWS].iterator(chunk_size=2000)
    ):
        yield [tables.json_value(mask_value(item, value)) for item, value in zip(items, raw, strict=True)]


def export(dataset: OpenDataset, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the dataset in ``fmt`` (CSV, XLSX or JSON)."""
    fmt = fmt.upper()
    if fmt not in CONTENT_TYPES:
        raise ValueError(fmt)
    entry = CatalogEntry.objects.prefetch_related("items").get(pk=dataset.entry_id)
    items = [i for i in entry.items.all() if i.mounted]
    filename = f"{dataset.name}.{fmt.lower()}"
    if fmt == "CSV":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([i.label for i in items])
        for row in _rows(entry, items):
            writer.writerow(["" if v is None else v for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), CONTENT_TYPES[fmt], filename
    if fmt == "XLSX":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=dataset.title[:31] or "data")
        sheet.append([i.label for i in items])
        for row in _rows(entry, items):
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue(), CONTENT_TYPES[fmt], filename
    records = [dict(zip([i.name for i in items], row, strict=True)) for row in _rows(entry, items)]
    body = {
        "dataset": dataset.name,
        "fields": [{"id": i.name, "label": i.label, "type": i.data_type} for i in items],
        "records": records,
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8"), CONTENT_TYPES[fmt], filename


def resource_export(resource: OpenResource) -> tuple[bytes, str, str]:
    """A generated resource's file; external resources (with a ``url``) are links, not exports."""
    if resource.url:
        raise ValueError("external resource")
    return export(resource.dataset, resource.format)
