"""The seal's impression (印模), drawn by the platform: a red ring, the organisation's name along the upper
arc, a five-pointed star in the middle and, for a 受理专用章, its purpose on a line below the star.

One geometry, three outputs: SVG for pages (stored with the seal), reportlab drawing commands for the
PDFs it seals (no image or font files: the CID font STSong-Light), and PNG through Pillow for anyone
who needs a raster image — that one needs a CJK TrueType font on the machine (Debian's
fonts-wqy-microhei, which `make chromium` installs, or a Noto CJK font).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen.canvas import Canvas

RED = "#d40000"
RED_RGB = (0.83, 0.0, 0.0)


@dataclass(frozen=True)
class Glyph:
    char: str
    x: float  # relative to the centre, y up, in units of the radius
    y: float
    angle: float  # degrees counter-clockwise; 0 = upright


def arc_glyphs(name: str) -> list[Glyph]:
    """Each character of the name on the upper arc, feet toward the centre."""
    chars = list(name.strip())[:24]
    if not chars:
        return []
    span = min(250.0, 22.0 * len(chars)) if len(chars) > 1 else 0.0
    step = span / (len(chars) - 1) if len(chars) > 1 else 0.0
    glyphs = []
    for index, char in enumerate(chars):
        theta = 90.0 + span / 2 - index * step
        rad = math.radians(theta)
        glyphs.append(Glyph(char, 0.72 * math.cos(rad), 0.72 * math.sin(rad), theta - 90.0))
    return glyphs


def star_points(radius: float = 0.26) -> list[tuple[float, float]]:
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.382
        rad = math.radians(90 + k * 36)
        points.append((r * math.cos(rad), r * math.sin(rad)))
    return points


def font_scale(name: str) -> float:
    """Character size in units of the radius: smaller for longer names."""
    return max(0.16, min(0.24, 2.4 / max(len(name.strip()), 1)))


def svg(name: str, *, purpose: str = "", size: int = 160) -> str:
    """The impression as a standalone SVG document."""
    half = size / 2
    radius = half * 0.94
    size_px = font_scale(name) * radius
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(name)}">',
        f'<circle cx="{half}" cy="{half}" r="{radius - 3:.2f}" fill="none" stroke="{RED}" stroke-width="4"/>',
    ]
    for glyph in arc_glyphs(name):
        x, y = half + glyph.x * radius, half - glyph.y * radius
        parts.append(
            f'<text x="{x:.2f}" y="{y:.2f}" fill="{RED}" font-size="{size_px:.1f}" text-anchor="middle" '
            f'dominant-baseline="central" font-family="serif" font-weight="bold" '
            f'transform="rotate({-glyph.angle:.2f} {x:.2f} {y:.2f})">{escape(glyph.char)}</text>'
        )
    points = " ".join(f"{half + x * radius:.2f},{half - y * radius:.2f}" for x, y in star_points())
    parts.append(f'<polygon points="{points}" fill="{RED}"/>')
    if purpose:
        parts.append(
            f'<text x="{half}" y="{half + radius * 0.5:.2f}" fill="{RED}" font-size="{radius * 0.15:.1f}" '
            f'text-anchor="middle" font-family="serif" font-weight="bold">{escape(purpose)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def draw(canvas: Canvas, *, name: str, purpose: str, x: float, y: float, radius: float, font: str) -> None:
    """Draw the impression centred at (x, y) on a reportlab canvas."""
    canvas.saveState()
    canvas.setStrokeColorRGB(*RED_RGB)
    canvas.setFillColorRGB(*RED_RGB)
    canvas.setLineWidth(radius * 0.045)
    canvas.circle(x, y, radius * 0.96, stroke=1, fill=0)
    size = font_scale(name) * radius
    for glyph in arc_glyphs(name):
        canvas.saveState()
        canvas.translate(x + glyph.x * radius, y + glyph.y * radius)
        canvas.rotate(glyph.angle)
        canvas.setFont(font, size)
        canvas.drawCentredString(0, -size * 0.35, glyph.char)
        canvas.restoreState()
    path = canvas.beginPath()
    points = star_points()
    path.moveTo(x + points[0][0] * radius, y + points[0][1] * radius)
    for px, py in points[1:]:
        path.lineTo(x + px * radius, y + py * radius)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    if purpose:
        canvas.setFont(font, radius * 0.15)
        canvas.drawCentredString(x, y - radius * 0.55, purpose)
    canvas.restoreState()


#: CJK TrueType fonts looked for, in order (Debian package paths).
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    return next((path for path in CJK_FONTS if Path(path).is_file()), None)


def png(name: str, *, purpose: str = "", size: int = 320) -> bytes | None:
    """The impression as a transparent PNG; None when the machine has no CJK font to draw it with."""
    font_path = cjk_font_path()
    if font_path is None:
        return None
    scale = 4  # drawn large and scaled down: smooth edges without an anti-aliasing pass
    big, half = size * scale, size * scale / 2
    radius = half * 0.94
    red = (212, 0, 0, 255)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ring = radius * 0.045
    draw.ellipse(
        [half - radius, half - radius, half + radius, half + radius], outline=red, width=int(ring * 2)
    )
    glyph_size = int(font_scale(name) * radius)
    font = ImageFont.truetype(font_path, glyph_size)
    for glyph in arc_glyphs(name):
        tile = Image.new("RGBA", (glyph_size * 2, glyph_size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((glyph_size, glyph_size), glyph.char, font=font, fill=red, anchor="mm")
        turned = tile.rotate(glyph.angle, resample=Image.Resampling.BICUBIC)
        x, y = half + glyph.x * radius, half - glyph.y * radius
        image.alpha_composite(turned, (int(x - glyph_size), int(y - glyph_size)))
    draw.polygon([(half + px * radius, half - py * radius) for px, py in star_points()], fill=red)
    if purpose:
        small = ImageFont.truetype(font_path, int(radius * 0.15))
        draw.text((half, half + radius * 0.55), purpose, font=small, fill=red, anchor="mm")
    output = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(output, format="PNG")
    return output.getvalue()
