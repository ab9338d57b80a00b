"""Audit log, step 3 of 3: the hash-chain columns and the head row every writer locked are gone;
archives describe leaf ranges; on PostgreSQL the leaf and tree-head tables are insert-only like the
events (the trigger function now names the table it guards)."""

from django.db import migrations, models

FORWARD_SQL = """
CREATE OR REPLACE FUNCTION identity_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('shuzheng.audit_purge', true), '') = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN
            RETURN NULL;
        ELSIF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'TRUNCATE' AND coalesce(current_setting('shuzheng.audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '审计记录只能追加，不能 % (% is append-only)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

GUARDED = ("identity_auditleaf", "identity_audittreehead")


def _guard_sql(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_no_change ON {table};
CREATE TRIGGER {table}_no_change
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION identity_auditevent_append_only();
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION identity_auditevent_append_only();
"""


def install_guards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL + "".join(_guard_sql(t) for t in GUARDED), params=None)


def remove_guards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for table in GUARDED:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}; "
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
                params=None,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0007_seal_the_hash_chain"),
    ]

    operations = [
        migrations.RemoveField(model_name="auditevent", name="hash"),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.AlterModelOptions(
            name="auditarchive",
            options={
                "ordering": ["-tree_size"],
                "verbose_name": "审计归档",
                "verbose_name_plural": "审计归档",
            },
        ),
        migrations.RemoveField(model_name="auditarchive", name="first_seq"),
        migrations.RemoveField(model_name="auditarchive", name="last_hash"),
        migrations.RemoveField(model_name="auditarchive", name="last_seq"),
        migrations.AddField(
            model_name="auditarchive",
            name="first_leaf",
            field=models.BigIntegerField(default=0, verbose_name="起始叶子"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditarchive",
            name="root_hash",
            field=models.CharField(default="", max_length=64, verbose_name="截止根哈希"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditarchive",
            name="tree_size",
            field=models.BigIntegerField(default=0, unique=True, verbose_name="截止树大小"),
            preserve_default=False,
        ),
        migrations.RunPython(install_guards, remove_guards),
    ]
