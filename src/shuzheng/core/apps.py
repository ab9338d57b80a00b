from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_pragmas(sender: object, connection: Any, **kwargs: object) -> None:
    """WAL lets readers run beside the single writer; busy_timeout makes a second writer wait, not fail."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA synchronous=NORMAL;")
            cursor.execute("PRAGMA busy_timeout=30000;")


class CoreConfig(AppConfig):
    name = "shuzheng.core"
    label = "core"
    verbose_name = "基础设施"

    def ready(self) -> None:
        connection_created.connect(_sqlite_pragmas, dispatch_uid="shuzheng-sqlite-pragmas")
