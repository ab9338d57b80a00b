"""`shuzheng generate-persons --persons N`: grow the natural-person base registry to N demo people
(valid ID numbers, names, mobiles, addresses in Enping) for benchmarks. COPY on PostgreSQL, batched
INSERTs on SQLite; one audit event for the load instead of one row-change record per person."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shuzheng.datahub import registries, tables
from shuzheng.datahub.models import CatalogEntry, Classification

REGISTRY_NAME = "人口基础信息库"


class Command(BaseCommand):
    help = "把人口基础信息库扩充到指定人数（演示/压测数据），需先执行 load-demo。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, required=True, help="目标总人数，如 5000000")
        parser.add_argument("--batch", type=int, default=20000, help="每批写入行数（默认 %(default)s）")
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *args: Any, persons: int, batch: int, quiet: bool = False, **options: Any) -> None:
        if not 1 <= persons <= 29_000_000:
            raise CommandError("--persons 应在 1 到 29000000 之间")
        if not 100 <= batch <= 200_000:
            raise CommandError("--batch 应在 100 到 200000 之间")
        entry = CatalogEntry.objects.filter(name=REGISTRY_NAME, classification=Classification.BASE).first()
        if entry is None or not entry.is_mounted_table:
            raise CommandError("人口基础信息库不存在或未挂接库表：请先执行 shuzheng load-demo")
        model = tables.build_model(entry)
        current = model.objects.count()
        if current >= persons:
            self.stdout.write(f"人口基础信息库已有 {current} 人，无需扩充。")
            return
        bar = tqdm(total=persons - current, desc="生成人口", file=sys.stderr, disable=quiet, unit="人")

        def advance(rows: int) -> None:
            bar.update(rows)

        try:
            registries.bulk_load_persons(
                entry, start=current, count=persons - current, batch=batch, progress=advance
            )
        finally:
            bar.close()
        entry.refresh_from_db()
        self.stdout.write(f"人口基础信息库现有 {entry.row_count} 人。")
