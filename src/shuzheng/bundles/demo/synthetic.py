"""Synthetic published bundles for scale tests (`shuzheng generate-bundles N`): pairs to quadruples of live
person items, round-robin over the life events; codes start with "syn-" and names end in "（压测）", and
indicator 4 leaves them out."""

from __future__ import annotations

from typing import Any

from shuzheng.bundles.constants import LIFE_EVENTS, SYNTHETIC_NAME_SUFFIX, SYNTHETIC_PREFIX
from shuzheng.bundles.demo import member_fields
from shuzheng.bundles.models import Bundle
from shuzheng.bundles.services import versions
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError


def _candidates() -> list[Any]:
    live = catalog_selectors.guide_queryset(audience="person").select_related("department").order_by("code")
    return [v for v in live[:400] if "portal" in (v.channels or [])]


def next_number() -> int:
    start = Bundle.objects.filter(code__startswith=SYNTHETIC_PREFIX).count() + 1
    while Bundle.objects.filter(code=f"{SYNTHETIC_PREFIX}{start:06d}").exists():
        start += 1
    return start


def generate(count: int) -> list[str]:
    """Create and publish `count` synthetic bundles; their codes."""
    items = _candidates()
    if len(items) < 4:
        raise ApplicationError(
            "没有足够的已发布个人事项，请先运行 shuzheng load-demo。", code="demo_needs_catalog"
        )
    start = next_number()
    codes = []
    for n in range(start, start + count):
        size = 2 + n % 3
        chosen = [items[(n * 7 + k * 13) % len(items)] for k in range(size)]
        chosen = list({v.code: v for v in chosen}.values())
        if len(chosen) < 2:
            chosen = [items[n % len(items)], items[(n + 1) % len(items)]]
        shared, members = member_fields(chosen)
        code = f"{SYNTHETIC_PREFIX}{n:06d}"
        draft = versions.bundle_create(
            actor=SYSTEM,
            code=code,
            fields={
                "name": f"{chosen[0].name}等{len(chosen)}项一件事{SYNTHETIC_NAME_SUFFIX}",
                "audience": "person",
                "theme": LIFE_EVENTS[n % len(LIFE_EVENTS)].value,
                "keywords": "压测",
                "lead_department": chosen[0].department,
                "shared_fields": shared,
                "members": members,
            },
        )
        versions.version_publish(actor=SYSTEM, version=draft)
        codes.append(code)
    return codes
