"""`shuzheng train-dispatch`: train the dispatch classifier on closed appeals, store and activate it.

Holds out 10 % (stratified by department), stores accuracy, macro-F1 and the per-department report with
the model version, and evaluates the keyword-rule baseline on the same split; prints both.
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
    help = "训练智能派单模型（字符n元TF-IDF + 线性模型），留出10%评估并与关键词基线对比，保存后启用。"

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
            f"模型 {model.version}：样本 {model.sample_count}（测试 {model.test_count}），"
            f"用时 {model.training_seconds:.1f} 秒\n"
            f"  部门：准确率 {model.accuracy:.2%}，宏平均F1 {model.macro_f1:.2%}\n"
            f"  分类：准确率 {(model.category_accuracy or 0):.2%}，"
            f"宏平均F1 {(model.category_macro_f1 or 0):.2%}\n"
            f"  关键词基线（同一测试集）：准确率 {(model.baseline_accuracy or 0):.2%}，"
            f"宏平均F1 {(model.baseline_macro_f1 or 0):.2%}\n"
            f"  {'已启用' if model.is_active else '未启用'}，文件 {model.file_path}"
        )
