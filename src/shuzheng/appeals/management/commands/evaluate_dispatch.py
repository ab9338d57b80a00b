"""`shuzheng evaluate-dispatch`: score the active dispatch model on a hand-labelled set.

Prints, for the keyword baseline, the classifier alone, duty retrieval alone and the combined router:
accuracy, macro-F1, top-3, and the precision and share of automatic dispatches at each one's threshold
(calibrated for ≥ 95 % on the dev set); then the router's per-department accuracy (weakest first), the
most frequent confusions, why appeals went to the manual queue, the single-text latency and the
precision@3 of the KB answers and similar appeals shown at intake.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.appeals.dispatching import evaluation
from shuzheng.appeals.dispatching.training import EVAL_SET
from shuzheng.appeals.selectors.dispatch_eval import evaluate_active
from shuzheng.core.errors import ApplicationError

LABELS = {
    "keywords": "关键词基线",
    "classifier": "文本分类器",
    "retrieval": "职责检索",
    "combined": "组合路由",
}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = "在人工标注的评估集上评估当前派单模型（关键词基线、分类器、职责检索、组合路由）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--set", dest="path", default=str(EVAL_SET), help="评估集（JSON Lines）路径")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出全部结果")
        parser.add_argument(
            "--user", default="dispatch01", help="测量知识库与相似诉求时使用的账号（其数据范围）"
        )

    def handle(self, *args: Any, path: str, json: bool = False, user: str = "", **options: Any) -> None:
        try:
            examples = evaluation.read_set(Path(path))
        except evaluation.SetError as exc:
            raise CommandError(str(exc)) from exc
        account = get_user_model().objects.filter(username=user).first() if user else None

        def progress(message: str) -> None:
            sys.stderr.write(f"评估派单 · {message}\n")

        try:
            result = evaluate_active(examples, user=account, progress=progress)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        if json:
            self.stdout.write(_dumps(result))
            return
        self._print(result, path)

    def _print(self, result: dict[str, Any], path: str) -> None:
        out = self.stdout.write
        out(
            f"评估集 {path}：{result['count']} 条；模型 {result['model_version']}，阈值 {result['threshold']}"
        )
        out(f"{'组件':<10}{'准确率':>8}{'宏F1':>8}{'前三':>8}{'自动准确率':>10}{'自动占比':>8}")
        for name, s in result["components"].items():
            out(
                f"{LABELS.get(name, name):<10}{_pct(s['accuracy']):>8}{s['macro_f1']:>8.3f}"
                f"{_pct(s['top3']):>8}{_pct(s['auto_precision']):>10}{_pct(s['auto_share']):>8}"
            )
        out("分部门准确率（组合路由，由低到高）：")
        for row in result["per_department"]:
            out(f"  {row['department']}（{row['code']}）：{row['count']} 条，{row['accuracy']:.0%}")
        out("最常见的错派（应派 → 实派）：")
        for row in result["confusions"]:
            out(f"  {row['gold']} → {row['predicted']}：{row['count']}")
        reasons = "，".join(f"{k} {v}" for k, v in result["reasons"].items()) or "无"
        out(f"转人工原因：{reasons}")
        latency = result["latency_ms"]
        out(f"单条派单耗时：p50 {latency['p50']} 毫秒，p95 {latency['p95']} 毫秒")
        help_scores = result.get("help")
        if help_scores:
            out(
                f"登记时的知识库答案：precision@3 {_pct(help_scores['kb_precision_at_3'])}"
                f"（有显示的占 {_pct(help_scores['kb_shown_share'])}）；"
                f"相似诉求：precision@3 {_pct(help_scores['similar_precision_at_3'])}"
                f"（有显示的占 {_pct(help_scores['similar_shown_share'])}）"
            )
        else:
            out("未测量知识库与相似诉求（--user 指定的账号不存在）")


def _dumps(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)
