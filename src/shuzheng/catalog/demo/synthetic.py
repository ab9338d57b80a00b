"""Synthetic published items for scale tests (`shuzheng generate-items`): the demo catalog's shapes over
its departments, round-robin; their codes start with "SYN" and their names end in "（压测）", so they are
never mistaken for real ones."""

from __future__ import annotations

from typing import Any

from shuzheng.catalog.constants import SYNTHETIC_CODE_PREFIX, SYNTHETIC_NAME_SUFFIX
from shuzheng.catalog.demo.items import fields_for, item_specs
from shuzheng.catalog.models import ServiceItem
from shuzheng.core.errors import ApplicationError
from shuzheng.orgs import selectors as orgs_selectors


def next_number() -> int:
    """The first synthetic number not taken (runs continue the numbering)."""
    start = ServiceItem.objects.filter(code__startswith=SYNTHETIC_CODE_PREFIX).count() + 1
    while ServiceItem.objects.filter(code=f"{SYNTHETIC_CODE_PREFIX}{start:07d}").exists():
        start += 1
    return start


def synthetic_items(count: int, *, start: int) -> list[tuple[str, dict[str, Any]]]:
    """(code, fields) of `count` synthetic items numbered from `start`, spread over the demo departments."""
    specs = item_specs()
    known = orgs_selectors.departments_by_code(list({s.department for s in specs}))
    specs = [s for s in specs if s.department in known]
    if not specs:
        raise ApplicationError("没有找到演示部门，请先运行 shuzheng load-demo。", code="demo_needs_orgs")
    items = []
    for n in range(start, start + count):
        spec = specs[n % len(specs)]
        fields = fields_for(spec)
        fields["name"] = f"{spec.name}{SYNTHETIC_NAME_SUFFIX}"
        fields["high_frequency"] = False
        fields["keywords"] = f"{spec.keywords} 压测"
        items.append((f"{SYNTHETIC_CODE_PREFIX}{n:07d}", fields))
    return items
