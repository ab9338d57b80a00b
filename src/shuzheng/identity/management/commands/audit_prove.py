"""`shuzheng audit-prove <seq>`: print the inclusion proof of one audit event (JSON) for
tools/verify_audit_proof.py."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.core.errors import ApplicationError
from shuzheng.identity.audit_proof import inclusion_proof


class Command(BaseCommand):
    help = "输出一条审计事件的包含证明（JSON：规范字节、叶子序号、审计路径、签名树头、公钥）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("seq", type=int, help="审计事件序号")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            proof = inclusion_proof(options["seq"])
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(json.dumps(proof, ensure_ascii=False, indent=2))
