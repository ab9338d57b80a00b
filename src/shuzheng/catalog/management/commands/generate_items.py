"""`shuzheng generate-items N`: N synthetic published items for scale tests (bulk inserts).

The items come from `catalog.demo.synthetic`. Run the demo first.
"""

from __future__ import annotations

import sys
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shuzheng.catalog import demo
from shuzheng.catalog.demo import synthetic
from shuzheng.catalog.services import bulk
from shuzheng.core import context
from shuzheng.core.actors import SYSTEM
from shuzheng.core.constants import Channel
from shuzheng.core.errors import ApplicationError

MAX_ITEMS = 200_000


class Command(BaseCommand):
    help = (
        "生成 N 个合成的已发布事项（编码以 SYN 开头、名称以“（压测）”结尾），用于压力测试。"
        "可重复执行，编号接续。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help=f"生成的事项数（1–{MAX_ITEMS}）")
        parser.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, count: int, quiet: bool = False, **options: Any) -> None:
        if not 1 <= count <= MAX_ITEMS:
            raise CommandError(f"事项数应在 1 到 {MAX_ITEMS} 之间")
        began = time.perf_counter()
        try:
            items = synthetic.synthetic_items(count, start=synthetic.next_number())
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        demo.ensure_groups()
        stream: Any = getattr(self.stderr, "_out", sys.stderr)
        bar: tqdm[Any] = tqdm(total=count, desc="生成事项", unit="项", disable=quiet, file=stream)
        token = context.bind(channel=Channel.SYSTEM, request_id=f"generate-items-{uuid.uuid4().hex[:12]}")
        try:

            def progress(done: int, _total: int) -> None:
                bar.n = done
                bar.refresh()

            codes = bulk.items_bulk_publish(actor=SYSTEM, items=items, progress=progress)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        finally:
            context.reset(token)
            bar.close()
        elapsed = time.perf_counter() - began
        self.stdout.write(
            f"已生成 {len(codes)} 个合成事项（{codes[0]}…{codes[-1]}），用时 {elapsed:.1f} 秒"
            f"（每秒 {len(codes) / max(elapsed, 0.001):.0f} 项）。"
        )
