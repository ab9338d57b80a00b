"""`shuzheng import-items FILE.xlsx [--publish] [--actor USERNAME]`: import the implementation list."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.catalog import xlsx
from shuzheng.core import context
from shuzheng.core.actors import SYSTEM
from shuzheng.core.constants import Channel
from shuzheng.core.errors import ApplicationError
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.actors import Actor


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx，“事项”“材料”“环节”三个工作表）导入实施清单：新增事项或更新草稿，"
        "从不修改已发布的版本；与现行版本相同的行不做修改；任何一行有错则整批不生效，并列出全部错误。"
        "同一文件重复导入不会产生变化。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".xlsx 文件路径（不超过 5 MB）")
        parser.add_argument("--publish", action="store_true", help="导入后立即发布所导入的草稿")
        parser.add_argument("--actor", default="", help="记入审计日志的操作人账号（默认记为系统）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor: Actor = SYSTEM
        if options["actor"]:
            user = identity_selectors.user_by_username(options["actor"])
            if user is None:
                raise CommandError(f"账号“{options['actor']}”不存在")
            actor = user
        token = context.bind(channel=Channel.SYSTEM, request_id=f"import-items-{uuid.uuid4().hex[:12]}")
        try:
            report = xlsx.import_items_xlsx(options["file"], actor=actor, publish=options["publish"])
        except FileNotFoundError as exc:
            raise CommandError(f"文件不存在：{options['file']}") from exc
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        finally:
            context.reset(token)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
