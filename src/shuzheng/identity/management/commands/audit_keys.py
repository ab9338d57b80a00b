"""`shuzheng audit-keys`: the SM2 keys audit tree heads are signed and verified with."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shuzheng.identity.audit_keys import listed_keys


class Command(BaseCommand):
    help = "列出审计树头的签名密钥（当前签名用）与验证密钥（轮换前的旧公钥）。"

    def handle(self, *args: Any, **options: Any) -> None:
        for key in listed_keys():
            use = "签名（当前）" if key.active else "仅验证"
            self.stdout.write(f"{key.key_id}  {use}  来源：{key.source}\n  公钥：{key.public_key_hex}")
