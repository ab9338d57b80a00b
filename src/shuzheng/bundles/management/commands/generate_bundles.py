"""shuzheng generate-bundles N: N synthetic published 一件事 bundles over the live demo items (scale)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from shuzheng.bundles.demo.synthetic import generate
from shuzheng.core.errors import ApplicationError

MAX_COUNT = 100_000


class Command(BaseCommand):
    help = "生成 N 个压测用“一件事”主题（编码以 syn- 开头，名称带“（压测）”，不计入指标4）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("count", type=int, help="生成数量")

    def handle(self, *args: Any, count: int, **options: Any) -> None:
        if not 1 <= count <= MAX_COUNT:
            raise CommandError(f"数量应在1到{MAX_COUNT}之间。")
        try:
            with transaction.atomic():
                codes = generate(count)
        except ApplicationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"已生成并发布{len(codes)}个压测一件事主题（{codes[0]} 至 {codes[-1]}）。")
