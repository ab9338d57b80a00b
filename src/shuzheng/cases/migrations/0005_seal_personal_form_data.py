"""Encrypt the personal fields already stored in clear in ``cases_case.form_data`` (cases.form_privacy)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from shuzheng.cases.form_privacy import personal_fields, seal


def forwards(apps: Any, schema_editor: Any) -> None:
    case_model = apps.get_model("cases", "Case")
    version_model = apps.get_model("catalog", "ServiceItemVersion")
    schemas = {
        pk: schema
        for pk, schema in version_model.objects.values_list("pk", "form_schema")
        if personal_fields(schema)
    }
    if not schemas:
        return
    rows = case_model.objects.filter(version_id__in=list(schemas)).values_list(
        "pk", "version_id", "form_data"
    )
    for pk, version_id, data in rows.iterator(chunk_size=2000):
        sealed = seal(schemas[version_id], data or {})
        if sealed != data:
            case_model.objects.filter(pk=pk).update(form_data=sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_open_queue_index"),
        ("catalog", "0003_form_identifier_formats"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
