"""`shuzheng audit-seal [--full]`: seal committed audit events into a signed tree head now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.identity.audit_seal import SealRefusedError, seal


class Command(BaseCommand):
    help = "立即封存已提交的审计事件：写入 Merkle 叶子并签发 SM2 签名树头（平时由 Celery beat 每秒执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="检查全部事件（不只是最近的），用于长事务之后"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = seal(full=options["full"])
        except SealRefusedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.summary())
