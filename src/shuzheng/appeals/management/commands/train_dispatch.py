"""`shuzheng train-dispatch`: retrain the dispatch router on demand (closed appeals, duties, KB and the
dispatchers' corrections), store it, and activate it when it is not worse than the active model on the
independent evaluation set and the recent corrections (the weekly Celery task does the same).

Prints the synthetic hold-out, the dev set it was calibrated on, the evaluation set and the comparison.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shuzheng.appeals.services.training import dispatch_model_train
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError


class Command(BaseCommand):
    help = "重新训练智能派单模型（分类器 + 职责检索），与当前模型对比评估，不劣于当前模型时启用。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="最多使用多少条最近的已办结诉求")
        parser.add_argument("--no-activate", action="store_true", help="只训练和登记，不启用")
        parser.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(
        self,
        *args: Any,
        limit: int | None = None,
        no_activate: bool = False,
        quiet: bool = False,
        **options: Any,
    ) -> None:
        bar: tqdm[Any] = tqdm(total=5, desc="训练派单模型", file=sys.stderr, disable=quiet, unit="步")

        def progress(label: str, done: int, total: int) -> None:
            bar.set_description_str(f"训练派单模型 · {label}", refresh=False)
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            model = dispatch_model_train(
                actor=SYSTEM, limit=limit, activate=not no_activate, progress=progress
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        finally:
            bar.close()
        self.stdout.write(
            f"模型 {model.version}：样本 {model.sample_count}（合成留出 {model.test_count}），"
            f"用时 {model.training_seconds:.1f} 秒，自动派单阈值 {model.threshold}\n"
            f"  合成留出集：准确率 {model.accuracy:.2%}，宏平均F1 {model.macro_f1:.2%}；"
            f"关键词基线 {(model.baseline_accuracy or 0):.2%}"
        )
        evaluation = model.evaluation or {}
        labels = (("dev", "开发集"), ("eval", "独立评估集"), ("corrections", "近期人工纠正"))
        for key, label in labels:
            s = evaluation.get(key)
            if s:
                auto = "—" if s["auto_precision"] is None else f"{s['auto_precision']:.1%}"
                self.stdout.write(
                    f"  {label}（{s['count']} 条）：准确率 {s['accuracy']:.1%}，"
                    f"宏平均F1 {s['macro_f1']:.3f}，前三 {s['top3']:.1%}，"
                    f"自动派单准确率 {auto}、占比 {s['auto_share']:.1%}"
                )
        self.stdout.write(f"  {evaluation.get('decision', '')}，文件 {model.file_path}")
