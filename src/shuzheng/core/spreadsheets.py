"""Reading an uploaded .xlsx the one way every importer does: bounded size, refused when it is not a
workbook, each sheet as (Excel row number, cells) without blank rows, cells as trimmed text."""

from __future__ import annotations

import io
import os
import zipfile
from typing import IO, Any, Final

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from shuzheng.core.errors import PayloadTooLarge, UnsupportedMediaType

MAX_BYTES: Final = 5 * 1024 * 1024
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

XlsxSource = bytes | str | os.PathLike[str] | IO[bytes]
Table = list[tuple[int, list[Any]]]


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge("文件超过 5 MB，请拆分后分批导入。", code="file_too_large")


def _not_xlsx() -> UnsupportedMediaType:
    return UnsupportedMediaType(
        "只支持 Excel 2007 及以上格式（.xlsx）的文件，请另存为 .xlsx 后重试。", code="not_xlsx"
    )


def _read_bytes(file: XlsxSource) -> bytes:
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, str | os.PathLike):
        if os.path.getsize(file) > MAX_BYTES:
            raise _too_large()
        with open(file, "rb") as handle:
            data = handle.read()
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > MAX_BYTES:
            raise _too_large()
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large()
    return data


def read_sheets(file: XlsxSource) -> dict[str, Table]:
    """Each sheet by its trimmed title, in workbook order: (Excel row number, cell values), header
    included, blank rows left out."""
    data = _read_bytes(file)
    if not data.startswith(b"PK\x03\x04"):
        raise _not_xlsx()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _not_xlsx() from exc
    try:
        sheets: dict[str, Table] = {}
        for sheet in workbook.worksheets:
            rows = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(values)
                if any(cell_text(v) for v in cells):
                    rows.append((number, cells))
            sheets[sheet.title.strip()] = rows
        return sheets
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value).strip()


def column_text(cells: list[Any], columns: dict[str, int], name: str) -> str:
    """The text of column `name` in a row, "" when the row is shorter or the column absent."""
    index = columns.get(name)
    if index is None or index >= len(cells):
        return ""
    return cell_text(cells[index])
