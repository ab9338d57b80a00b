"""`shuzheng audit-verify`: seal, then check every leaf, tree head, signature and exported head;
list every break and exit 1 when there is any."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from shuzheng.identity.audit_archive import verify_all_archives
from shuzheng.identity.audit_seal import SealRefusedError, seal
from shuzheng.identity.audit_verify import VERIFY_BATCH, leaf_count_hint, verify_log


class Command(BaseCommand):
    help = (
        "校验审计日志：先封存，再逐个重算叶子哈希与每个树头的根哈希，核验 SM2 签名，"
        "并与数据库之外导出的树头比对；列出全部问题。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=VERIFY_BATCH, help="每批读取的叶子数")
        parser.add_argument("--archives", action="store_true", help="同时校验全部归档文件")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(seal(full=True).summary())
        except SealRefusedError as exc:  # verification below lists the forged leaves
            self.stderr.write(str(exc))
        out = getattr(self.stderr, "_out", self.stderr)
        interactive = bool(getattr(out, "isatty", lambda: False)())
        quiet = options["no_progress"] or options["verbosity"] == 0
        # On a terminal a live bar, cleared at the end. Without one (cron, CI logs) the same bar only
        # once a run has taken 30 seconds, then at most every 30 seconds and a final line.
        quiet_interval = 0 if interactive else 30
        with tqdm(
            total=leaf_count_hint(),
            desc="校验审计日志",
            unit="叶",
            file=out,
            disable=quiet,
            mininterval=0.1 if interactive else quiet_interval,
            delay=quiet_interval,
            ascii=not interactive,
            leave=not interactive,
        ) as bar:
            report = verify_log(batch_size=options["batch_size"], progress=bar.update)

        failed = not report.ok
        if options["archives"]:
            for archive_result in verify_all_archives():
                if archive_result.ok:
                    self.stdout.write(archive_result.summary())
                else:
                    failed = True
                    self.stderr.write(archive_result.summary())
        for notice in report.notices:
            self.stdout.write(f"注意：{notice}")
        if report.ok:
            self.stdout.write(report.summary())
        else:
            self.stderr.write(report.summary())
            for number, problem in enumerate(report.breaks, start=1):
                self.stderr.write(f"  {number}. {problem.detail}")
        if failed:
            raise SystemExit(1)
