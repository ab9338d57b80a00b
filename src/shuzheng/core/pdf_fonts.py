"""The Chinese font of every PDF the platform renders (notices, decision documents, licences).

reportlab's built-in CID font STSong-Light: the viewer supplies the glyphs, so no font file ships with
the platform or is embedded in the documents. Registered once per process, on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CHINESE_FONT: Final = "STSong-Light"


@cache
def chinese_font() -> str:
    """The registered font's name, registering it the first time."""
    pdfmetrics.registerFont(UnicodeCIDFont(CHINESE_FONT))
    return CHINESE_FONT
