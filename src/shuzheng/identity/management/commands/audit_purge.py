"""`shuzheng audit-purge --before YYYY-MM-DD [--dry-run]`: move old events to a signed archive file."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.core.errors import ApplicationError
from shuzheng.identity.audit_archive import purge_before


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--before 应为 YYYY-MM-DD 格式的日期，收到 {value!r}") from exc


class Command(BaseCommand):
    help = (
        "归档并清理指定日期之前的审计事件（网络安全法第二十一条：至少留存六个月）。"
        "归档文件为 gzip 压缩的 JSON Lines，附 SM3 摘要与 SM2 签名。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--before",
            required=True,
            type=_day,
            help="清理此日期（本地时间 00:00）之前发生的事件，格式 YYYY-MM-DD",
        )
        parser.add_argument("--dry-run", action="store_true", help="只显示将要归档的范围，不做改动")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = purge_before(before=options["before"], dry_run=options["dry_run"])
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(result.summary())
