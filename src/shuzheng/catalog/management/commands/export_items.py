"""`shuzheng export-items FILE.xlsx`: the implementation list (current version of each item) to Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.catalog import xlsx
from shuzheng.core.actors import SYSTEM


class Command(BaseCommand):
    help = "把实施清单导出为 Excel（.xlsx）：每个事项一行（有草稿时为草稿，否则为现行版本），格式与导入一致。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输出的 .xlsx 文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件名应以 .xlsx 结尾")
        content = xlsx.export_items_xlsx(user=SYSTEM)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        self.stdout.write(f"已导出到 {path}（{len(content)} 字节）")
