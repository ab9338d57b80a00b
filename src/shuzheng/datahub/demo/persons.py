"""Grow the demo's natural-person base registry (人口基础信息库) to N people for benchmarks: valid ID
numbers, names, mobiles and addresses, deterministic (person ``i`` is always the same person)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from django.core.management.base import CommandError

from shuzheng.datahub import tables
from shuzheng.datahub.demo import registries
from shuzheng.datahub.models import CatalogEntry, Classification

REGISTRY_NAME: Final = "人口基础信息库"


def registry() -> CatalogEntry:
    """The demo's person registry, or a clear error when load-demo has not run."""
    entry = CatalogEntry.objects.filter(name=REGISTRY_NAME, classification=Classification.BASE).first()
    if entry is None or not entry.is_mounted_table:
        raise CommandError("人口基础信息库不存在或未挂接库表：请先执行 shuzheng load-demo")
    return entry


def person_count(entry: CatalogEntry) -> int:
    return tables.build_model(entry).objects.count()


def grow(entry: CatalogEntry, *, start: int, count: int, batch: int, progress: Callable[[int], None]) -> int:
    """Add people ``start`` … ``start + count - 1``; returns the registry's row count afterwards."""
    registries.bulk_load_persons(entry, start=start, count=count, batch=batch, progress=progress)
    entry.refresh_from_db()
    return entry.row_count
