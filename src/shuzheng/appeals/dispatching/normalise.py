"""Cantonese and colloquial forms → standard Mandarin before any dispatch feature is computed.

The dictionary is data (``appeals/data/dispatch/colloquial.yaml``, maintained by the centre); one
compiled alternation replaces longest keys first in a single pass, so a key mapped to itself protects a
word from a shorter key inside it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Final

import yaml

DATA: Final = Path(__file__).resolve().parent.parent / "data" / "dispatch"


@cache
def dictionary() -> dict[str, str]:
    raw = yaml.safe_load((DATA / "colloquial.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in (raw.get("phrases") or {}).items()}


@cache
def _pattern() -> re.Pattern[str]:
    keys = sorted(dictionary(), key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys))


def normalise(text: str) -> str:
    """The text with colloquial forms replaced and whitespace collapsed (full-width kept)."""
    table = dictionary()
    replaced = _pattern().sub(lambda m: table[m.group(0)], text or "")
    return " ".join(replaced.split())
