"""Mark the identifier and personal fields of existing application forms.

Forms written before ``format`` checks and the ``x-personal`` / ``x-applicant`` keywords (cases.form_privacy)
checked ID numbers, credit codes and phones with a bare pattern (no check digit) and kept them in clear.
This upgrade gives those fields, recognised by their name or title, the format that checks them, marks
the personal ones for encryption and binds the applicant's own name and numbers to the account. A version
is otherwise immutable once published; this is a platform upgrade, not an edit of its content.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_ID_WORDS = ("身份号码", "身份证")
_PHONE_WORDS = ("电话", "手机")


def _kind(name: str, spec: dict[str, Any]) -> str:
    title = str(spec.get("title") or "")
    fmt = spec.get("format")
    if fmt in ("id-number", "mobile", "bank-card", "uscc"):
        return str(fmt)
    if name == "id_number" or any(word in title for word in _ID_WORDS):
        return "id-number"
    if name in ("phone", "mobile") or any(word in title for word in _PHONE_WORDS):
        return "mobile"
    if "bank" in name or "银行卡" in title:
        return "bank-card"
    if name == "uscc" or "统一社会信用代码" in title:
        return "uscc"
    return ""


def mark(schema: Any) -> bool:
    """Add formats and markers in place; True when something changed."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return False
    changed = False
    has_person_name = "applicant_name" in properties
    for name, spec in properties.items():
        if not isinstance(spec, dict) or spec.get("type") not in ("string", None):
            continue
        before = dict(spec)
        kind = _kind(name, spec)
        if kind:
            spec["format"] = kind
            spec.pop("pattern", None)
        if kind in ("id-number", "mobile", "bank-card"):
            spec["x-personal"] = True
        if name == "id_number":
            spec["x-applicant"] = "id_number"
        elif name == "uscc":
            spec["x-applicant"] = "uscc"
        elif name == "applicant_name" or (name == "company_name" and not has_person_name):
            spec["x-applicant"] = "name"
        changed = changed or spec != before
    return changed


def forwards(apps: Any, schema_editor: Any) -> None:
    version_model = apps.get_model("catalog", "ServiceItemVersion")
    for version in version_model.objects.only("pk", "form_schema").iterator(chunk_size=500):
        if mark(version.form_schema):
            version_model.objects.filter(pk=version.pk).update(form_schema=version.form_schema)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_guide_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
