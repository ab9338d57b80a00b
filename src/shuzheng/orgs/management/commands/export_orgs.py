"""`shuzheng export-orgs {divisions|departments} FILE.xlsx`: write the active rows to an Excel file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.orgs import xlsx

EXPORTERS = {"divisions": xlsx.export_divisions_xlsx, "departments": xlsx.export_departments_xlsx}


class Command(BaseCommand):
    help = "把启用中的行政区划或部门导出为 Excel（.xlsx），表头与导入格式一致。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", choices=sorted(EXPORTERS), help="divisions（行政区划）或 departments（部门）"
        )
        parser.add_argument("file", help="输出的 .xlsx 文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        content = EXPORTERS[options["kind"]]()
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件名应以 .xlsx 结尾")
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        self.stdout.write(f"已导出到 {path}（{len(content)} 字节）")
