"""`shuzheng generate-cases N`: N synthetic cases for benchmarks (see `cases.demo.generate`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.cases.demo.generate import BATCH, MAX_CASES, generate


class Command(BaseCommand):
    help = "生成 N 个合成办件（幂等键 gen-<n>，可续做：已有 N 个则跳过），用于压力测试。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help=f"办件总数（1–{MAX_CASES}）")
        parser.add_argument("--days", type=int, default=3 * 365, help="收件时间分布在最近多少天（默认3年）")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args: Any, count: int, days: int, seed: int, batch: int, **options: Any) -> None:
        if not 1 <= count <= MAX_CASES:
            raise CommandError(f"办件数应在 1 到 {MAX_CASES} 之间")
        generate(count, days=days, seed=seed, batch=batch, say=self.stdout.write)
