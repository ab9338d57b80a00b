"""`shuzheng load-demo`: the Enping demo data (organisations, then accounts), safe to run again.

Each context owns its own demo loader (`<context>.demo.load(progress)`); this command only runs them
in dependency order, shows their progress and prints how to log in.
"""

from __future__ import annotations

import sys
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from tqdm import tqdm

from shuzheng.core import context
from shuzheng.core.constants import Channel
from shuzheng.core.errors import ApplicationError

Progress = Callable[[str, int, int], None]

# (what the user sees, loader module); order matters: accounts are scoped to departments and divisions.
STEPS: tuple[tuple[str, str], ...] = (
    ("组织机构", "shuzheng.orgs.demo"),
    ("账号与角色", "shuzheng.identity.demo"),
    ("政务服务事项", "shuzheng.catalog.demo"),
    ("办件", "shuzheng.cases.demo"),
    # 好差评 evaluates the concluded demo cases, so it stays after the cases step.
    ("好差评", "shuzheng.evaluation.demo"),
    ("数据中台", "shuzheng.datahub.demo"),
    # 12345 / grid events: 20,000 synthetic closed appeals and the trained dispatch model.
    ("诉求（一网统管）", "shuzheng.appeals.demo"),
    ("电子证照与电子印章", "shuzheng.licences.demo"),
    # 秒批 rules read the person registry (data hub) and held licences, so after both.
    ("秒批", "shuzheng.instant_approval.demo"),
    ("一件事主题服务", "shuzheng.bundles.demo"),
    # After every context it measures: the plan's indicators and their first snapshot.
    ("规划指标", "shuzheng.indicators.demo"),
    # Last: the deadline reminders over everything loaded, into the notification centre.
    ("到期提醒", "shuzheng.web.demo"),
)
ACCOUNTS = "shuzheng.identity.demo"  # the step whose result lists the accounts to print
# Names for the counts a loader may return ({"departments": 62, "created": 0, ...}).
COUNT_LABELS = {
    "divisions": "行政区划",
    "departments": "部门",
    "halls": "政务服务大厅",
    "windows": "窗口",
    "kiosks": "自助终端",
    "bank_terminals": "政银通办终端",
    "bank_outlets": "银行网点",
    "grids": "网格",
    "grid_workers": "网格员",
    "items": "政务服务事项",
    "live_items": "现行事项",
    "item_departments": "实施部门",
    "guide_groups": "主题分类",
    "cases": "办件",
    "case_departments": "办件角色覆盖部门",
    "evaluations": "评价",
    "rectifications": "差评整改",
    "rating_disputes": "评价申诉",
    "data_entries": "数据目录",
    "data_departments": "编目部门",
    "mounted_resources": "挂接资源",
    "data_rows": "库表数据",
    "open_datasets": "开放数据集",
    "open_departments": "开放部门",
    "sharing_requests": "共享申请",
    "quality_rules": "质量规则",
    "categories": "诉求分类",
    "routing_rules": "派单规则",
    "kb_articles": "知识库条目",
    "historical_appeals": "历史诉求（合成）",
    "open_appeals": "示例诉求",
    "work_orders": "工单",
    "model_accuracy": "派单模型准确率（合成留出集）",
    "model_macro_f1": "宏平均F1（合成留出集）",
    "eval_accuracy": "独立评估集准确率",
    "eval_macro_f1": "独立评估集宏平均F1",
    "baseline_accuracy": "关键词基线准确率",
    "seals": "电子印章",
    "seal_coverage": "持有效印章的政府部门",
    "licence_types": "证照类型",
    "licences": "电子证照",
    "licence_uses": "用证记录",
    "bundles": "一件事主题",
    "published_bundles": "已发布主题",
    "applications": "演示申请",
    "sectors": "政府行业",
    "budget_units": "财政预算单位",
    "video_terminals": "视频终端",
    "scenarios": "应用场景",
    "app_usage_months": "粤系应用月度数据",
    "assessed_villages": "数字乡村评定",
    "projects": "政务信息化项目",
    "indicators_with_value": "有值的指标（共22项）",
    "reminded_cases": "临近或超过期限的办件",
    "reminders": "到期提醒通知",
}
LINKS: tuple[tuple[str, str], ...] = (
    ("网上办事大厅", "web:portal"),
    ("工作台", "web:workbench"),
    ("管理后台", "admin:index"),
    ("接口文档", "api-v1:openapi-view"),
)


class StepProgress:
    """The `progress(label, done, total)` callback of one step: one tqdm bar captioned with the label.

    Loaders report either sub-steps ("角色" 1/4, "工作人员账号" 2/4, …) or rows within a sub-step
    ("部门" 12/62); both show as the bar's position within the total last reported.
    """

    def __init__(self, step: str, stream: TextIO, *, disable: bool) -> None:
        self.bar: tqdm[Any] = tqdm(
            total=0, desc=step, file=stream, disable=disable, unit="项", leave=True, dynamic_ncols=True
        )
        self.step = step

    def __call__(self, label: str, done: int, total: int) -> None:
        self.bar.set_description_str(f"{self.step} · {label}", refresh=False)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain-text table whose columns line up with Chinese (double-width) characters."""
    widths = [max(_width(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c) + " " * (w - _width(str(c))) for c, w in zip(cells, widths, strict=False)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


class Command(BaseCommand):
    help = "载入演示数据（恩平市组织机构与演示账号）。可重复执行，不会产生重复数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="不显示进度、账号表和链接")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="打印链接时使用的站点地址（默认 %(default)s）"
        )

    def handle(self, *args: Any, quiet: bool = False, base_url: str = "", **options: Any) -> None:
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        token = context.bind(channel=Channel.SYSTEM, request_id=f"load-demo-{uuid.uuid4().hex[:12]}")
        try:
            # Loading writes notifications in-app only: no email or SMS copies of the demo's own history.
            with override_settings(SHUZHENG_NOTIFIERS=[]):
                results = [self._run_step(step, module, stream, quiet) for step, module in STEPS]
        finally:
            context.reset(token)
        if quiet:
            return
        for (step, _), result in zip(STEPS, results, strict=True):
            self._print_counts(step, result)
        by_module = {module: result for (_, module), result in zip(STEPS, results, strict=True)}
        accounts = list(by_module.get(ACCOUNTS) or [])
        accounts += list((by_module.get("shuzheng.appeals.demo") or {}).get("accounts", []))
        self._print_accounts(accounts)
        self._print_links(base_url.rstrip("/"))

    def _run_step(self, step: str, module: str, stream: TextIO, quiet: bool) -> Any:
        loader: Callable[[Progress | None], Any] = import_module(module).load
        progress = StepProgress(step, stream, disable=quiet)
        try:
            return loader(progress)
        except ApplicationError as exc:  # a rule refused the demo data: say which, without a traceback
            raise CommandError(f"载入{step}失败：{exc.detail}") from exc
        finally:
            progress.close()

    def _print_counts(self, step: str, result: Any) -> None:
        if not isinstance(result, Mapping):
            return
        parts = [f"{COUNT_LABELS[k]} {v}" for k, v in result.items() if k in COUNT_LABELS and v is not None]
        created = result.get("created")
        suffix = f"（本次新增 {created} 条）" if created is not None else ""
        self.stdout.write(f"{step}：{'，'.join(parts)}{suffix}")
        for note in result.get("notes") or ():  # lines a loader wants shown (e.g. a demo credential)
            self.stdout.write(f"  {note}")

    def _print_accounts(self, accounts: list[Any]) -> None:
        if not accounts:
            return
        otp = bool(getattr(settings, "SHUZHENG_STAFF_OTP_REQUIRED", True))
        headers = ["账号", "密码", "角色", "数据范围"] + (["TOTP 密钥"] if otp else [])
        rows = [
            [a.username, a.password, a.role, a.scope] + ([getattr(a, "otp_secret", "") or "—"] if otp else [])
            for a in accounts
        ]
        self.stdout.write("\n演示账号（仅供演示，切勿用于生产）：\n")
        self.stdout.write(format_table(headers, rows))
        if otp:
            self.stdout.write("工作人员登录需要动态口令：把 TOTP 密钥加入验证器应用（如 FreeOTP）。")

    def _print_links(self, base_url: str) -> None:
        rows = []
        for label, name in LINKS:
            try:
                rows.append([label, f"{base_url}{reverse(name)}"])
            except NoReverseMatch:
                continue
        self.stdout.write("\n入口：\n")
        self.stdout.write(format_table(["入口", "地址"], rows))
