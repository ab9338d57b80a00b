"""Audit log, step 1 of 3 (docs/decisions/0002-audit-merkle-log.md): the event's seq becomes its
database id, so a writer takes nothing but the next id; the leaf and tree-head tables appear."""

import django.db.models.deletion
from django.db import migrations, models


def continue_the_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    """PostgreSQL's new identity column starts at 1; start it after the existing seqs instead."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "SELECT setval(pg_get_serial_sequence('identity_auditevent', 'seq'), "
            "coalesce(max(seq), 0) + 1, false) FROM identity_auditevent",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0005_authz_stamp"),
    ]

    operations = [
        migrations.RemoveField(model_name="auditevent", name="id"),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigAutoField(primary_key=True, serialize=False, verbose_name="序号"),
        ),
        migrations.RunPython(continue_the_sequence, migrations.RunPython.noop),
        migrations.CreateModel(
            name="AuditLeaf",
            fields=[
                ("index", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="叶子序号")),
                ("hash", models.CharField(max_length=64, verbose_name="叶子哈希")),
                (
                    "event",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="leaf",
                        to="identity.auditevent",
                        verbose_name="审计事件",
                    ),
                ),
            ],
            options={"verbose_name": "审计叶子", "verbose_name_plural": "审计叶子", "ordering": ["index"]},
        ),
        migrations.CreateModel(
            name="AuditTreeHead",
            fields=[
                (
                    "tree_size",
                    models.BigIntegerField(primary_key=True, serialize=False, verbose_name="树大小"),
                ),
                ("root_hash", models.CharField(max_length=64, verbose_name="根哈希")),
                ("timestamp_ms", models.BigIntegerField(db_index=True, verbose_name="签名时间（毫秒）")),
                ("key_id", models.CharField(max_length=32, verbose_name="密钥标识")),
                ("signature", models.CharField(max_length=128, verbose_name="SM2签名")),
                ("frontier", models.JSONField(default=list, verbose_name="右边界子树哈希")),
                ("max_seq", models.BigIntegerField(default=0, verbose_name="已封存最大事件序号")),
            ],
            options={
                "verbose_name": "审计树头",
                "verbose_name_plural": "审计树头",
                "ordering": ["-tree_size"],
            },
        ),
    ]
