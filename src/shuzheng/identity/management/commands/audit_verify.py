"""`shuzheng audit-verify`: recompute every hash of the live audit chain; exit 1 at the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from shuzheng.identity.audit import VERIFY_BATCH, chain_length_hint, verify_chain
from shuzheng.identity.audit_archive import verify_all_archives


class Command(BaseCommand):
    help = "校验审计链：逐条重算 SM3 哈希，检查前后链接与序号连续性（从最近一次归档之后开始）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=VERIFY_BATCH, help="每批读取的事件数")
        parser.add_argument("--archives", action="store_true", help="同时校验全部归档文件的 SM3 与 SM2 签名")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        out = getattr(self.stderr, "_out", self.stderr)
        interactive = bool(getattr(out, "isatty", lambda: False)())
        quiet = options["no_progress"] or options["verbosity"] == 0
        # On a terminal a live bar, cleared at the end. Without one (cron, CI logs) the same bar only
        # once a run has taken 30 seconds, then at most every 30 seconds and a final line.
        quiet_interval = 0 if interactive else 30
        with tqdm(
            total=chain_length_hint(),
            desc="校验审计链",
            unit="条",
            file=out,
            disable=quiet,
            mininterval=0.1 if interactive else quiet_interval,
            delay=quiet_interval,
            ascii=not interactive,
            leave=not interactive,
        ) as bar:
            result = verify_chain(batch_size=options["batch_size"], progress=bar.update)

        failed = not result.ok
        if options["archives"]:
            for archive_result in verify_all_archives():
                if archive_result.ok:
                    self.stdout.write(archive_result.summary())
                else:
                    failed = True
                    self.stderr.write(archive_result.summary())
        if result.ok:
            self.stdout.write(result.summary())
        else:
            self.stderr.write(result.summary())
        if failed:
            raise SystemExit(1)
