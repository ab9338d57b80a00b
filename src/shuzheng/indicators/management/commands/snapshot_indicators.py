"""`shuzheng snapshot-indicators [--date YYYY-MM-DD]`: what the daily task does, for cron or a past day."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.core.actors import SystemActor
from shuzheng.core.errors import ApplicationError
from shuzheng.indicators.services.snapshots import snapshot_take


class Command(BaseCommand):
    help = "计算并保存22项规划指标的当日快照；--date 可为过去某日重算（仅限记录带日期的指标）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", default="", help="统计日期，格式 YYYY-MM-DD，默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['day']}") from exc

        def progress(done: int, total: int, text: str) -> None:
            self.stdout.write(f"[{done}/{total}] {text}")

        try:
            run = snapshot_take(actor=SystemActor("snapshot-indicators command"), day=day, progress=progress)
        except ApplicationError as exc:
            raise CommandError(str(exc.detail)) from exc
        self.stdout.write(
            f"{run.day:%Y-%m-%d} 的指标快照：保存 {len(run.stored)} 项，跳过 {len(run.skipped)} 项。"
        )
