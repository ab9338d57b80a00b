"""Reading rows for a mounted table: CSV (UTF-8 or GB18030, detected) and xlsx uploads, JSON rows.

Headers must match the entry's data items by field name or Chinese label (any order; every required
item must be present; unknown columns are refused). Every row is converted and checked against its
item's type, length and required flag; errors carry the row number as the user sees it (the header
is row 1). Nothing is written here: `services.rows_load` writes all rows or none.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from charset_normalizer import from_bytes
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from shuzheng.core.errors import UnsupportedMediaType, ValidationFailed
from shuzheng.core.imports import RowError
from shuzheng.datahub.models import DataItem, DataType

MAX_ERRORS = 50
_TRUE = {"是", "true", "1", "y", "yes", "t"}
_FALSE = {"否", "false", "0", "n", "no", "f"}


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first; otherwise GB18030 when the detector agrees it is Chinese."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw[:200_000]).best()
    candidates = ["gb18030"]
    if best is not None and best.encoding not in ("gb18030", "gb2312", "gbk", "big5", "hz"):
        candidates = []
    for encoding in candidates:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed.for_field(
        "file", "无法识别文件编码：请使用 UTF-8 或 GB18030（GBK）编码的 CSV 文件", code="bad_encoding"
    )


def read_csv(raw: bytes) -> tuple[list[str], list[list[str]]]:
    text = decode_text(raw)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValidationFailed.for_field("file", f"CSV 格式错误：{exc}", code="bad_csv") from exc
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ValidationFailed.for_field("file", "文件为空", code="empty_file")
    return [h.strip() for h in rows[0]], rows[1:]


def _cell(value: Any) -> Any:
    return "" if value is None else value


def read_xlsx(raw: bytes) -> tuple[list[str], list[list[Any]]]:
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnsupportedMediaType("文件不是有效的 Excel（.xlsx）文件。", code="not_xlsx") from exc
    sheet = workbook.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    rows = [r for r in rows if any(str(c).strip() for c in r)]
    if not rows:
        raise ValidationFailed.for_field("file", "文件为空", code="empty_file")
    return [str(h).strip() for h in rows[0]], rows[1:]


def match_headers(headers: list[str], items: list[DataItem]) -> list[DataItem]:
    """The data item of each column; a ValidationFailed names unknown, duplicate and missing columns."""
    by_key: dict[str, DataItem] = {}
    for each in items:
        by_key[each.name] = each
        by_key[each.label] = each
    mapped: list[DataItem] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, header in enumerate(headers, start=1):
        item: DataItem | None = by_key.get(header) or by_key.get(header.lower())
        if item is None:
            problems.append(
                {"row": 1, "field": header, "message": f"第{index}列“{header}”不是本资源的信息项"}
            )
            continue
        if item.name in seen:
            problems.append({"row": 1, "field": header, "message": f"第{index}列“{header}”重复"})
            continue
        seen.add(item.name)
        mapped.append(item)
    for item in items:
        if item.required and item.name not in seen:
            problems.append(
                {"row": 1, "field": item.name, "message": f"缺少必填列“{item.label}”（{item.name}）"}
            )
    if problems:
        detail = "表头与信息项不符：" + "；".join(p["message"] for p in problems[:5])
        raise ValidationFailed(detail, errors=problems, code="bad_header")
    return mapped


def convert(item: DataItem, value: Any) -> Any:
    """The typed value of one cell; ValueError with a Chinese message when it does not fit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if item.required:
            raise ValueError("必填项不能为空")
        return None
    kind = item.data_type
    if kind == DataType.STRING:
        text = value if isinstance(value, str) else str(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        text = text.strip()
        if item.max_length and len(text) > item.max_length:
            raise ValueError(f"超过最大长度 {item.max_length}")
        if "\x00" in text:
            raise ValueError("含有非法字符")
        return text
    if kind == DataType.INTEGER:
        if isinstance(value, bool):
            raise ValueError("应为整数")
        if isinstance(value, int):
            result = value
        elif isinstance(value, float) and value.is_integer():
            result = int(value)
        else:
            try:
                result = int(str(value).strip())
            except ValueError:
                raise ValueError(f"“{str(value)[:20]}”不是整数") from None
        if abs(result) >= 2**63:
            raise ValueError("整数超出范围")
        return result
    if kind == DataType.DECIMAL:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"“{str(value)[:20]}”不是数字") from None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 18:
            raise ValueError("数字超出范围")
        return number
    if kind == DataType.DATE:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            parsed = parse_date(str(value).strip().replace("/", "-"))
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError(f"“{str(value)[:20]}”不是日期（YYYY-MM-DD）")
        return parsed
    if kind == DataType.DATETIME:
        moment: datetime | None
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = parse_datetime(str(value).strip().replace("/", "-"))
            except ValueError:
                moment = None
        if moment is None:
            raise ValueError(f"“{str(value)[:20]}”不是日期时间（YYYY-MM-DD HH:MM:SS）")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment
    if kind == DataType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"“{str(value)[:20]}”不是布尔值（是/否）")
    raise ValueError("未知数据类型")


def convert_rows(
    columns: list[DataItem], rows: list[list[Any]], *, first_row: int = 2
) -> tuple[list[dict[str, Any]], list[RowError]]:
    """Typed rows (dicts by field name) and every error found (at most MAX_ERRORS)."""
    result: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for offset, raw in enumerate(rows):
        number = first_row + offset
        if len(raw) > len(columns) and any(str(c).strip() for c in raw[len(columns) :]):
            errors.append(RowError(number, "", f"列数多于表头（{len(raw)} > {len(columns)}）"))
            continue
        values: dict[str, Any] = {}
        for index, item in enumerate(columns):
            cell = raw[index] if index < len(raw) else None
            try:
                values[item.name] = convert(item, cell)
            except ValueError as exc:
                errors.append(RowError(number, item.label, str(exc)))
        result.append(values)
        if len(errors) >= MAX_ERRORS:
            break
    return result, errors


def convert_json_rows(items: list[DataItem], rows: list[Any]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """JSON rows (objects keyed by field name); row numbers count from 1."""
    by_name = {i.name: i for i in items}
    result: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            errors.append(RowError(number, "", "每一行应为对象（字段名: 值）"))
            continue
        unknown = [k for k in raw if k not in by_name]
        if unknown:
            errors.append(RowError(number, "、".join(map(str, unknown[:5])), "不是本资源的信息项"))
            continue
        values: dict[str, Any] = {}
        for item in items:
            try:
                values[item.name] = convert(item, raw.get(item.name))
            except ValueError as exc:
                errors.append(RowError(number, item.name, str(exc)))
        result.append(values)
        if len(errors) >= MAX_ERRORS:
            break
    return result, errors
