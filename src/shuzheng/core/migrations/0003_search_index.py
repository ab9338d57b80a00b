"""Vendor-specific full-text index for core.SearchEntry: FTS5 on SQLite, GIN tsvector on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE core_searchentry_fts USING fts5(tokens, content='core_searchentry', "
    "content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER core_searchentry_ai AFTER INSERT ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER core_searchentry_ad AFTER DELETE ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER core_searchentry_au AFTER UPDATE ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO core_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_searchentry_au",
    "DROP TRIGGER IF EXISTS core_searchentry_ad",
    "DROP TRIGGER IF EXISTS core_searchentry_ai",
    "DROP TABLE IF EXISTS core_searchentry_fts",
]
PG_UP = [
    "CREATE INDEX core_searchentry_tsv ON core_searchentry USING gin (to_tsvector('simple', tokens))",
]
PG_DOWN = ["DROP INDEX IF EXISTS core_searchentry_tsv"]


def _run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_search_entry")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
