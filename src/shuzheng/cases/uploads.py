"""Checks on uploaded material files: type by content, size, PDF pages, SM3 digest.

The declared name and Content-Type are not trusted: the first bytes decide (``filetype``). Accepted:
PDF, JPEG, PNG, and OFD (the Chinese fixed-layout format, a ZIP holding ``OFD.xml``). A PDF must open
with pypdf (not encrypted, not damaged) and its page count is stored; whatever pypdf raises on a file
is the user's 422 ``pdf_unreadable``, not a server error.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

import filetype
from django.conf import settings
from pypdf import PdfReader

from shuzheng.core.crypto import sm3_hex
from shuzheng.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024

#: content type -> (label, extensions a file of that type may carry)
ALLOWED_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "application/pdf": ("PDF", frozenset({".pdf"})),
    "image/jpeg": ("JPG", frozenset({".jpg", ".jpeg", ".jpe"})),
    "image/png": ("PNG", frozenset({".png"})),
    "application/ofd": ("OFD", frozenset({".ofd"})),
}
ALLOWED_LABEL = "PDF、JPG、PNG、OFD"


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    name: str
    content_type: str
    size: int
    pages: int | None
    sm3: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "SHUZHENG_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def _size_label(limit: int) -> str:
    if limit >= 1024 * 1024:
        value = limit / (1024 * 1024)
        return f"{value:g} MB" if value != int(value) else f"{int(value)} MB"
    return f"{max(1, limit // 1024)} KB"


def _read(file: IO[bytes] | Any, limit: int) -> bytes:
    """At most limit + 1 bytes, so an oversized file is detected without reading all of it."""
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        buffer = bytearray()
        for chunk in file.chunks():
            buffer += chunk
            if len(buffer) > limit:
                break
        return bytes(buffer)
    data: bytes = file.read(limit + 1)
    return data


def _is_ofd(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return any(name.lower() == "ofd.xml" for name in archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def detect_type(content: bytes) -> str | None:
    """The content type the bytes themselves show, among the accepted ones; None otherwise."""
    kind = filetype.guess(content[:8192])
    mime = kind.mime if kind is not None else ""
    if mime in ("application/pdf", "image/jpeg", "image/png"):
        return mime
    if mime == "application/zip" or content[:4] == b"PK\x03\x04":
        return "application/ofd" if _is_ofd(content) else None
    return None


def pdf_pages(content: bytes, *, field: str = "file") -> int:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ValidationFailed.for_field(
                field, "PDF 文件已加密，请上传未加密的文件。", code="pdf_encrypted"
            )
        pages = len(reader.pages)
    except ValidationFailed:
        raise
    except Exception as exc:
        # Any parser failure (NotImplementedError for an unknown /Encrypt handler, RecursionError on a
        # looped page tree …) means the file cannot be used: the user's 422, never a 500.
        raise ValidationFailed.for_field(
            field, "PDF 文件无法读取，可能已损坏，请重新生成后上传。", code="pdf_unreadable"
        ) from exc
    if pages < 1:
        raise ValidationFailed.for_field(field, "PDF 文件没有页面。", code="pdf_unreadable")
    return pages


def check_file(file: IO[bytes] | Any, *, name: str = "", field: str = "file") -> CheckedFile:
    """Read and check one upload; raises a Chinese error naming `field` and keeps nothing."""
    limit = max_upload_bytes()
    declared_size = getattr(file, "size", None)
    if isinstance(declared_size, int) and declared_size > limit:
        raise PayloadTooLarge(
            f"文件过大（上限 {_size_label(limit)}）。", errors=[{"field": field, "message": "文件过大"}]
        )
    content = _read(file, limit)
    if len(content) > limit:
        raise PayloadTooLarge(
            f"文件过大（上限 {_size_label(limit)}）。", errors=[{"field": field, "message": "文件过大"}]
        )
    if not content:
        raise ValidationFailed.for_field(field, "文件为空。", code="file_empty")
    raw = (name or getattr(file, "name", "") or "upload").replace("\\", "/").replace("\x00", "")
    name = PurePath(raw).name[:255] or "upload"
    content_type = detect_type(content)
    if content_type is None:
        raise UnsupportedMediaType(
            f"不支持的文件类型：只接受 {ALLOWED_LABEL} 文件（按文件内容识别，不按扩展名）。",
            errors=[{"field": field, "message": f"只接受 {ALLOWED_LABEL} 文件"}],
            code="file_type_not_allowed",
        )
    label, extensions = ALLOWED_TYPES[content_type]
    suffix = PurePath(name).suffix.lower()
    if suffix and suffix not in extensions:
        raise UnsupportedMediaType(
            f"文件内容是 {label}，与扩展名“{suffix}”不符，请检查文件。",
            errors=[{"field": field, "message": "文件内容与扩展名不符"}],
            code="file_type_mismatch",
        )
    pages = pdf_pages(content, field=field) if content_type == "application/pdf" else None
    return CheckedFile(
        content=content,
        name=name,
        content_type=content_type,
        size=len(content),
        pages=pages,
        sm3=sm3_hex(content),
    )
