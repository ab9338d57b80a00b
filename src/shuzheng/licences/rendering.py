"""The layout (版式) files: an e-licence and a decision document, drawn with reportlab's canvas in the
built-in CID font STSong-Light (no font files), with the seal's impression and, on a licence, a QR
code of its verification page. The PDFs are signed afterwards (``signing.pades_sign``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from shuzheng.core.pdf_fonts import chinese_font
from shuzheng.licences import seal_image


@dataclass(frozen=True)
class SealMark:
    name: str
    purpose: str = ""


@dataclass(frozen=True)
class LicencePage:
    title: str
    identifier: str
    rows: Sequence[tuple[str, str]]
    issuer: str
    issued_on: str
    verify_url: str
    seal: SealMark


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of `text` no wider than `width` (CJK text breaks between any two characters)."""
    font = chinese_font()
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, font, size) > width and line:
                lines.append(line)
                line = char
            else:
                line += char
        lines.append(line)
    return lines


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code (segno; mask fixed, since scoring all eight costs more than drawing the page) as one
    1-bit inline image with its quiet zone, scaled to `size`."""
    code = segno.make_qr(url, error="m", mask=2)
    rows = [list(row) for row in code.matrix]
    border = 4
    count = len(rows) + 2 * border
    image = Image.new("1", (count, count), 1)
    image.putdata(
        [
            0
            if (
                border <= r < count - border and border <= c < count - border and rows[r - border][c - border]
            )
            else 1
            for r in range(count)
            for c in range(count)
        ]
    )
    canvas.drawInlineImage(image, x, y, size, size)


def licence_pdf(page: LicencePage) -> bytes:
    font = chinese_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=0)
    canvas.setTitle(page.title)
    canvas.setAuthor(page.issuer)
    canvas.setSubject(page.identifier)
    width, height = A4
    canvas.setStrokeColorRGB(0.55, 0.1, 0.1)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 28)
    canvas.drawCentredString(width / 2, height - 45 * mm, page.title)
    canvas.setFont(font, 9)
    canvas.drawCentredString(width / 2, height - 54 * mm, f"电子证照标识：{page.identifier}")
    y = height - 72 * mm
    label_x, value_x, value_width = 30 * mm, 70 * mm, width - 100 * mm
    for label, value in page.rows:
        canvas.setFont(font, 12)
        canvas.drawString(label_x, y, label)
        for line in _wrap(value or "—", value_width, 12):
            canvas.drawString(value_x, y, line)
            y -= 7 * mm
        y -= 2.5 * mm
    _qr(canvas, page.verify_url, 28 * mm, 28 * mm, 32 * mm)
    canvas.setFont(font, 8)
    canvas.drawString(28 * mm, 24 * mm, "扫码核验证照真伪")
    seal_image.draw(
        canvas,
        name=page.seal.name,
        purpose=page.seal.purpose,
        x=width - 62 * mm,
        y=52 * mm,
        radius=21 * mm,
        font=font,
    )
    canvas.setFont(font, 13)
    canvas.drawRightString(width - 30 * mm, 52 * mm, page.issuer)
    canvas.drawRightString(width - 30 * mm, 44 * mm, page.issued_on)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@dataclass(frozen=True)
class DecisionPage:
    title: str
    number: str
    addressee: str
    body: str
    issuer: str
    dated: str
    seal: SealMark


def decision_pdf(page: DecisionPage) -> bytes:
    font = chinese_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=0)
    canvas.setTitle(page.title)
    canvas.setAuthor(page.issuer)
    width, height = A4
    canvas.setFont(font, 20)
    canvas.drawCentredString(width / 2, height - 35 * mm, page.issuer)
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, height - 50 * mm, page.title)
    canvas.setFont(font, 11)
    canvas.drawCentredString(width / 2, height - 60 * mm, page.number)
    y = height - 78 * mm
    canvas.setFont(font, 12)
    canvas.drawString(25 * mm, y, f"{page.addressee}：")
    y -= 9 * mm
    for line in _wrap(page.body, width - 58 * mm, 12):
        if y < 75 * mm:  # the seal block keeps the bottom of the page; long bodies continue overleaf
            canvas.showPage()
            canvas.setFont(font, 12)
            y = height - 30 * mm
        canvas.drawString(33 * mm, y, line)
        y -= 7.5 * mm
    seal_image.draw(
        canvas,
        name=page.seal.name,
        purpose=page.seal.purpose,
        x=width - 60 * mm,
        y=50 * mm,
        radius=21 * mm,
        font=font,
    )
    canvas.setFont(font, 12)
    canvas.drawRightString(width - 30 * mm, 52 * mm, page.issuer)
    canvas.drawRightString(width - 30 * mm, 44 * mm, page.dated)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
