"""Workbooks built in memory for the import tests."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
