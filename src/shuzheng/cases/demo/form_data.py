"""Form data that passes an item version's JSON Schema, for demo and generated applications."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone
from stdnum import luhn

from shuzheng.cases import form_privacy
from shuzheng.cases.form_schema import form_errors
from shuzheng.catalog.models import ServiceItemVersion


def _sample(name: str, prop: dict[str, Any], applicant: dict[str, str], rng: random.Random) -> Any:
    kind = prop.get("type")
    if "enum" in prop:
        return prop["enum"][0]
    if kind == "integer" or kind == "number":
        low = int(prop.get("minimum", 1))
        high = int(prop.get("maximum", low + 5))
        return rng.randint(low, max(low, min(high, low + 4)))
    if kind == "boolean":
        return True
    if kind != "string":
        return None
    fmt = prop.get("format", "")
    if fmt == "date":
        return (timezone.localdate() + timedelta(days=rng.randint(3, 20))).isoformat()
    if fmt in ("id-number",) or "id_number" in name:
        return applicant["id_number"]
    if fmt == "uscc" or "uscc" in name:
        return applicant["uscc"]
    if fmt == "mobile" or "phone" in name or "mobile" in name:
        return applicant["mobile"]
    if fmt == "bank-card" or "bank" in name:
        body = "6217" + "".join(str(rng.randint(0, 9)) for _ in range(14))
        return body + luhn.calc_check_digit(body)
    if "company" in name:
        return applicant["company"]
    if "name" in name or "representative" in name:
        return applicant["name"]
    if "address" in name:
        return "广东省江门市恩平市恩城街道新平中路" + str(rng.randint(1, 200)) + "号"
    text = {"reason": "本人依法申请办理，材料真实有效。"}.get(name, f"{prop.get('title', '演示')}（演示）")
    minimum = int(prop.get("minLength", 0))
    return text if len(text) >= minimum else text + "。" * (minimum - len(text))


def form_for(
    version: ServiceItemVersion, applicant: dict[str, str], rng: random.Random
) -> dict[str, Any] | None:
    """Data that satisfies the version's form, or None when no sample fits. The identity fields are left
    out: the service fills them from the applicant (免填写)."""
    schema = version.form_schema or {}
    properties = schema.get("properties") or {}
    filled = {f"form_data.{name}" for name in form_privacy.applicant_fields(schema)}
    data = {name: _sample(name, prop, applicant, rng) for name, prop in properties.items()}
    data = {k: v for k, v in data.items() if v is not None and f"form_data.{k}" not in filled}

    def problems() -> list[dict[str, Any]]:
        return [e for e in form_errors(schema, data) if e["field"] not in filled]

    for _ in range(2):
        errors = problems()
        if not errors:
            return data
        for error in errors:
            name = error["field"].removeprefix("form_data.").split(".")[0]
            if name in data and name not in (schema.get("required") or []):
                data.pop(name)
            elif name in data and isinstance(properties.get(name, {}).get("pattern"), str):
                return None
    return data if not problems() else None
