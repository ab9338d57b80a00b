"""`shuzheng case-reminders`: send the deadline reminders once (what the hourly beat task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shuzheng.cases.tasks import send_case_reminders


class Command(BaseCommand):
    help = "发送办件到期提醒：即将到期或已超期的办件通知经办人（同一办件同一状态每天只提醒一次）。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_case_reminders.apply().get()
        self.stdout.write(f"需提醒办件 {result['cases']} 件，本次发送通知 {result['notifications']} 条。")
