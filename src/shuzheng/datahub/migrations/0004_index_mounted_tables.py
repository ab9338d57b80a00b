"""Mounted tables made before the platform indexed them get their key-item and ``_loaded_at`` indexes.

Unmanaged dynamic models skip ``db_index``; ``tables.create_table`` now adds the indexes itself, and this
repairs existing tables once (tables.ensure_indexes is idempotent). A fresh database has no mounted
tables, so the current models are only imported when there is something to repair.
"""

from django.db import migrations


def index_mounted_tables(apps, schema_editor):  # type: ignore[no-untyped-def]
    historical = apps.get_model("datahub", "CatalogEntry")
    ids = list(
        historical.objects.filter(mount_kind="table").exclude(mount_table="").values_list("pk", flat=True)
    )
    if not ids:
        return
    from shuzheng.datahub import tables
    from shuzheng.datahub.models import CatalogEntry

    for entry in CatalogEntry.objects.filter(pk__in=ids):
        tables.ensure_indexes(entry)


class Migration(migrations.Migration):
    dependencies = [("datahub", "0003_openresource_file")]

    operations = [migrations.RunPython(index_mounted_tables, migrations.RunPython.noop)]
