"""Files the demo uploads as application materials."""

from __future__ import annotations

import io

from pypdf import PdfWriter


def blank_pdf() -> bytes:
    """A one-page blank A4 PDF: passes the material checks (type, size, page count) and shows nothing."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
