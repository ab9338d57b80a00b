"""`shuzheng run-quality`: execute the data-quality rules now (what Celery beat does nightly)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError
from shuzheng.datahub import quality
from shuzheng.datahub.models import CatalogEntry, Dimension


class Command(BaseCommand):
    help = "执行数据质量检测规则（全部或指定资源），打印各资源得分。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entry", action="append", default=[], help="只检测该资源代码（可重复）")
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *args: Any, entry: list[str], quiet: bool = False, **options: Any) -> None:
        entries = None
        if entry:
            entries = list(CatalogEntry.objects.filter(code__in=entry))
            missing = set(entry) - {e.code for e in entries}
            if missing:
                raise CommandError(f"资源不存在：{'、'.join(sorted(missing))}")
        bar = tqdm(total=0, desc="质量检测", file=sys.stderr, disable=quiet, unit="条规则")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            run = quality.run(actor=SYSTEM, entries=entries, progress=progress)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        finally:
            bar.close()
        names = dict(
            CatalogEntry.objects.filter(pk__in=[int(k) for k in run.scores]).values_list("pk", "name")
        )
        labels = dict(Dimension.choices)
        self.stdout.write(f"质量检测 #{run.pk}：{run.rule_count} 条规则")
        for entry_id, score in sorted(run.scores.items(), key=lambda kv: kv[1]["score"]):
            dims = "，".join(f"{labels.get(d, d)} {v:.1f}" for d, v in score["dimensions"].items())
            self.stdout.write(f"  {names.get(int(entry_id), entry_id)}：{score['score']:.1f} 分（{dims}）")
