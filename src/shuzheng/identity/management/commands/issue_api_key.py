"""`shuzheng issue-api-key <username> --name N`: sign a personal API key and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import ApplicationError
from shuzheng.identity.models import User
from shuzheng.identity.services.api_keys import API_KEY_DEFAULT_DAYS, api_key_issue


class Command(BaseCommand):
    help = "为账号签发 API 密钥（Open311 报送、开放数据发布等接口使用），密钥只显示这一次。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="账号")
        parser.add_argument("--name", required=True, help="密钥名称，例如“12345 平台对接”")
        parser.add_argument("--days", type=int, default=API_KEY_DEFAULT_DAYS, help="有效天数")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"账号 {options['username']} 不存在")
        try:
            key, raw = api_key_issue(actor=SYSTEM, user=user, name=options["name"], days=options["days"])
        except ApplicationError as exc:
            raise CommandError(str(exc.detail)) from exc
        self.stderr.write(f"已为 {user.username} 签发密钥“{key.name}”，有效期至 {key.expires_at:%Y-%m-%d}。")
        self.stdout.write(raw)
