"""PostgreSQL: keep the tsvector in a stored generated column so ranking does not re-parse every match."""

from django.db import migrations

PG_UP = [
    "ALTER TABLE core_searchentry ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX core_searchentry_tsv_col ON core_searchentry USING gin (tsv)",
    "DROP INDEX IF EXISTS core_searchentry_tsv",
]
PG_DOWN = [
    "CREATE INDEX core_searchentry_tsv ON core_searchentry USING gin (to_tsvector('simple', tokens))",
    "DROP INDEX IF EXISTS core_searchentry_tsv_col",
    "ALTER TABLE core_searchentry DROP COLUMN IF EXISTS tsv",
]


def _run(statements):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0004_notification")]

    operations = [migrations.RunPython(_run(PG_UP), _run(PG_DOWN))]
