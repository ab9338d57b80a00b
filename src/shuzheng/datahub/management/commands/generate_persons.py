"""`shuzheng generate-persons --persons N`: grow the natural-person base registry to N demo people for
benchmarks (the generator is ``datahub.demo.persons``). COPY on PostgreSQL, batched INSERTs on SQLite;
one audit event for the load instead of one row-change record per person."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shuzheng.datahub.demo import persons as demo_persons


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
        entry = demo_persons.registry()
        current = demo_persons.person_count(entry)
        if current >= persons:
            self.stdout.write(f"人口基础信息库已有 {current} 人，无需扩充。")
            return
        bar = tqdm(total=persons - current, desc="生成人口", file=sys.stderr, disable=quiet, unit="人")

        def advance(rows: int) -> None:
            bar.update(rows)

        try:
            total = demo_persons.grow(
                entry, start=current, count=persons - current, batch=batch, progress=advance
            )
        finally:
            bar.close()
        self.stdout.write(f"人口基础信息库现有 {total} 人。")
