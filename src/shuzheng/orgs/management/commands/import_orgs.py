"""`shuzheng import-orgs {divisions|departments} FILE.xlsx [--actor USERNAME]`: all-or-nothing import."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuzheng.core import context
from shuzheng.core.actors import SYSTEM, Actor
from shuzheng.core.constants import Channel
from shuzheng.core.errors import ApplicationError
from shuzheng.orgs import xlsx

IMPORTERS = {"divisions": xlsx.import_divisions_xlsx, "departments": xlsx.import_departments_xlsx}


class Command(BaseCommand):
    help = (
        "从 Excel（.xlsx）导入行政区划或部门：按编码新增或更新；任何一行有错则整批不生效，并列出全部错误行。"
        "同一文件重复导入不会产生变化。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", choices=sorted(IMPORTERS), help="divisions（行政区划）或 departments（部门）"
        )
        parser.add_argument("file", help=".xlsx 文件路径（不超过 5 MB）")
        parser.add_argument("--actor", default="", help="记入审计日志的操作人账号（默认记为系统）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor: Actor = SYSTEM
        if options["actor"]:
            user = get_user_model()._default_manager.filter(username=options["actor"]).first()
            if user is None:
                raise CommandError(f"账号“{options['actor']}”不存在")
            actor = user
        token = context.bind(channel=Channel.SYSTEM, request_id=f"import-orgs-{uuid.uuid4().hex[:12]}")
        try:
            report = IMPORTERS[options["kind"]](options["file"], actor=actor)
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
