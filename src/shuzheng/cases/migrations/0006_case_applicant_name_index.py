"""The keyed index of the applicant's name, for the clerk's search, filled for existing cases."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import migrations, models

from shuzheng.core.crypto import blind_index


def _index(name: str) -> str:
    # Same as cases.selectors.applicant_name_index (kept here so the migration does not move with it).
    return blind_index("name:" + "".join(unicodedata.normalize("NFKC", name).split()))


def forwards(apps: Any, schema_editor: Any) -> None:
    case_model = apps.get_model("cases", "Case")
    indexes: dict[str, str] = {}
    pending = []
    for pk, name in case_model.objects.values_list("pk", "applicant_name").iterator(chunk_size=5000):
        if name not in indexes:
            indexes[name] = _index(name)
        pending.append(case_model(pk=pk, applicant_name_index=indexes[name]))
        if len(pending) >= 2000:
            case_model.objects.bulk_update(pending, ["applicant_name_index"])
            pending = []
    case_model.objects.bulk_update(pending, ["applicant_name_index"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_seal_personal_form_data")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="applicant_name_index",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
