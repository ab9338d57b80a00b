"""`shuzheng generate-appeals N`: N SYNTHETIC appeals with their work orders and events, for benchmarks
(see ``appeals.demo.generate``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shuzheng.appeals.demo.generate import BATCH, MAX_APPEALS, generate


class Command(BaseCommand):
    help = "生成 N 条合成诉求（含工单与工单记录；编号 SG…，可续做：已有 N 条则跳过），用于压力测试。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help=f"诉求总数（1–{MAX_APPEALS}）")
        parser.add_argument("--days", type=int, default=3 * 365, help="登记时间分布在最近多少天（默认3年）")
        parser.add_argument(
            "--open-days", type=int, default=20, help="最近多少天内的诉求仍可能在办（默认20）"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch", type=int, default=BATCH)
        parser.add_argument(
            "--drop-indexes",
            choices=("auto", "yes", "no"),
            default="auto",
            help="大批量首次生成时先删除二级索引、生成后重建（PostgreSQL；auto：缺少≥20万条时）",
        )

    def handle(
        self,
        *args: Any,
        count: int,
        days: int,
        open_days: int,
        seed: int,
        batch: int,
        drop_indexes: str,
        **options: Any,
    ) -> None:
        generate(
            count,
            days=days,
            open_days=open_days,
            seed=seed,
            batch=batch,
            drop_indexes=drop_indexes,
            out=self.stdout,
        )
