"""秒批 demo data for the demo city (idempotent)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def load(progress: Progress | None = None) -> dict[str, int]:
    """Create the 秒批 demo data; returns counts of what exists."""
    return {}
