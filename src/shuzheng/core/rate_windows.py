"""Per-minute call counts in the shared cache, for the limits on public and machine endpoints.

A fixed one-minute window per caller: simple, shared by every server process through the cache, and good
enough for "at most N a minute" (a caller can make up to 2N calls across a window boundary). The key
outlives its minute by ten seconds so that a late increment never recreates it.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone


def count_this_minute(scope: str, caller: str) -> int:
    """Add one call of ``caller`` in ``scope`` to the current minute and return the minute's count."""
    window = int(timezone.now().timestamp() // 60)
    key = f"{scope}:{caller}:{window}"
    if cache.add(key, 1, timeout=70):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=70)
        return 1
