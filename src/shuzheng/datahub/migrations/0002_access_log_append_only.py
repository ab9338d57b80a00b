"""On PostgreSQL make the data access log append-only: UPDATE and DELETE of datahub_accesslog and
datahub_accesssubject rows are refused by a trigger (TRUNCATE, used by test teardown, is not a row
operation). SQLite has no such triggers; there the code simply has no update path."""

from django.db import migrations

FORWARD_SQL = """
CREATE OR REPLACE FUNCTION datahub_access_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '数据访问日志只能追加，不能 % (% is append-only)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS datahub_accesslog_no_change ON datahub_accesslog;
CREATE TRIGGER datahub_accesslog_no_change
    BEFORE UPDATE OR DELETE ON datahub_accesslog
    FOR EACH ROW EXECUTE FUNCTION datahub_access_append_only();

DROP TRIGGER IF EXISTS datahub_accesssubject_no_change ON datahub_accesssubject;
CREATE TRIGGER datahub_accesssubject_no_change
    BEFORE UPDATE OR DELETE ON datahub_accesssubject
    FOR EACH ROW EXECUTE FUNCTION datahub_access_append_only();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS datahub_accesssubject_no_change ON datahub_accesssubject;
DROP TRIGGER IF EXISTS datahub_accesslog_no_change ON datahub_accesslog;
DROP FUNCTION IF EXISTS datahub_access_append_only();
"""


def install_guard(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL, params=None)


def remove_guard(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("datahub", "0001_initial"),
    ]

    operations = [migrations.RunPython(install_guard, remove_guard)]
