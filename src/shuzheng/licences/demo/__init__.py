"""电子证照与电子印章 demo data for the demo city (idempotent)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def load(progress: Progress | None = None) -> dict[str, int]:
    """Create the 电子证照与电子印章 demo data; returns counts of what exists."""
    return {}
