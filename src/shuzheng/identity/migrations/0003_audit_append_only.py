"""Audit chain: create the chain head row, and on PostgreSQL make identity_auditevent append-only.

The trigger refuses UPDATE and DELETE unless the transaction set `shuzheng.audit_purge` to 'on'
(only the retention purge does, with SET LOCAL), and refuses TRUNCATE unless `shuzheng.audit_purge`
or `shuzheng.audit_truncate` is 'on' (the test settings set the latter per connection so test
teardown can flush). SQLite has no such triggers; there the code simply has no update path.
"""

from django.db import migrations

GENESIS_HASH = "0" * 64

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
    RAISE EXCEPTION '审计事件只能追加，不能 % (identity_auditevent is append-only)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS identity_auditevent_no_change ON identity_auditevent;
CREATE TRIGGER identity_auditevent_no_change
    BEFORE UPDATE OR DELETE ON identity_auditevent
    FOR EACH ROW EXECUTE FUNCTION identity_auditevent_append_only();

DROP TRIGGER IF EXISTS identity_auditevent_no_truncate ON identity_auditevent;
CREATE TRIGGER identity_auditevent_no_truncate
    BEFORE TRUNCATE ON identity_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION identity_auditevent_append_only();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS identity_auditevent_no_truncate ON identity_auditevent;
DROP TRIGGER IF EXISTS identity_auditevent_no_change ON identity_auditevent;
DROP FUNCTION IF EXISTS identity_auditevent_append_only();
"""


def install_guard(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL, params=None)


def remove_guard(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE_SQL, params=None)


def create_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The single chain-tip row writers lock; created here so no two writers race to create it."""
    head_model = apps.get_model("identity", "AuditChainHead")
    event_model = apps.get_model("identity", "AuditEvent")
    db = schema_editor.connection.alias
    last = event_model.objects.using(db).order_by("-seq").values_list("seq", "hash").first()
    seq, tip = last if last is not None else (0, GENESIS_HASH)
    head_model.objects.using(db).get_or_create(pk=1, defaults={"seq": seq, "hash": tip})


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(install_guard, remove_guard),
    ]
