"""What a version holds: snapshots for the audit log and the comparison that makes imports idempotent."""

from __future__ import annotations

from typing import Any

from shuzheng.catalog.models import ServiceItemVersion
from shuzheng.catalog.services.cleaning import SCALAR_FIELDS


def version_snapshot(version: ServiceItemVersion) -> dict[str, Any]:
    """JSON for the audit log: the row's fields and the codes/names of its children."""
    data: dict[str, Any] = {
        "code": version.code,
        "number": version.number,
        "status": version.status,
        "valid_from": version.valid_from.isoformat() if version.valid_from else None,
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
    }
    for name in SCALAR_FIELDS:
        value = getattr(version, "department_id" if name == "department" else name)
        data[name] = value
    if version.pk:
        data["materials"] = list(version.materials.values_list("code", flat=True))
        data["steps"] = list(version.steps.values_list("name", flat=True))
        data["guide_groups"] = sorted(version.guide_groups.values_list("code", flat=True))
    return data


def version_content(version: ServiceItemVersion) -> dict[str, Any]:
    """Everything an editor can change, in the normalised shape `clean_fields` returns (for comparisons)."""
    data: dict[str, Any] = {name: getattr(version, name) for name in SCALAR_FIELDS if name != "department"}
    data["department"] = version.department_id
    data["materials"] = [
        {
            "code": m.code,
            "name": m.name,
            "need": m.need,
            "condition": m.condition,
            "form": m.form,
            "copies": m.copies,
            "pages": m.pages,
            "is_key": m.is_key,
            "issued_by_government": m.issued_by_government,
            "licence_type": m.licence_type,
        }
        for m in version.materials.all()
    ]
    data["steps"] = [
        {
            "name": s.name,
            "role_code": s.role_code,
            "department": s.department_id,
            "time_limit_days": s.time_limit_days,
        }
        for s in version.steps.all()
    ]
    data["guide_groups"] = sorted(g.code for g in version.guide_groups.all())
    return data


def content_of(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The output of `clean_fields` in the shape of `version_content`."""
    data = dict(cleaned)
    if "department" in data:
        data["department"] = data["department"].pk
    if "steps" in data:
        data["steps"] = [
            {**s, "department": s["department"].pk if s["department"] else None} for s in data["steps"]
        ]
    if "guide_groups" in data:
        data["guide_groups"] = sorted(g.code for g in data["guide_groups"])
    return data


def matches(version: ServiceItemVersion, cleaned: dict[str, Any]) -> bool:
    """Whether writing `cleaned` (from `clean_fields`) into `version` would change nothing."""
    current = version_content(version)
    return all(current.get(k) == v for k, v in content_of(cleaned).items())
