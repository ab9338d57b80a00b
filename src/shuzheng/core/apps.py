from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_pragmas(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
    """WAL lets readers run beside the single writer; foreign keys on for parity with PostgreSQL."""
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
