"""What the cases services share: limits, the typed inputs, text and NUL checks, the audit snapshot, and
the locked read of a case with its version check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from django.utils import timezone

from shuzheng.cases.access import OUT_OF_SCOPE
from shuzheng.cases.constants import ApplicantKind
from shuzheng.cases.models import Case
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.core.masking import mask_name

STALE_VERSION: Final = "办件已被他人更新，请刷新后重试"
NUL_MESSAGE: Final = "含有不可见的空字符，请删除后重新填写"


# --- inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantData:
    """Who applies, when a clerk files on the applicant's behalf (一窗受理 or an assisted terminal)."""

    kind: str
    name: str
    id_number: str = ""
    uscc: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class MaterialData:
    """One submitted material: a checked upload, an electronic licence, a paper original checked at the
    window, or (non-key materials only) a promise to supply it later (容缺)."""

    code: str
    upload_id: int | None = None
    licence_reference: str = ""
    checked_on_paper: bool = False
    deferred: bool = False


def as_materials(materials: Any) -> list[MaterialData]:
    """MaterialData from MaterialData or dicts (forms and JSON); anything else is a field error."""
    if materials is None:
        return []
    if not isinstance(materials, list | tuple):
        raise ValidationFailed.for_field("materials", "材料应为列表")
    result = []
    for index, item in enumerate(materials):
        if isinstance(item, MaterialData):
            result.append(item)
            continue
        try:
            result.append(MaterialData(**item))
        except TypeError as exc:
            raise ValidationFailed.for_field(f"materials[{index}]", "材料格式不正确") from exc
    return result


@dataclass(frozen=True)
class CorrectionItem:
    target: str
    reason: str


# --- checks -------------------------------------------------------------------------------------------


def now_or(at: datetime | None) -> datetime:
    return at or timezone.now()


def _nul_fields(value: Any, field: str) -> list[str]:
    """Paths under `field` whose text (keys included) holds NUL, which PostgreSQL text and jsonb refuse."""
    if isinstance(value, str):
        return [field] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            path = f"{field}.{key}" if field else str(key)
            found += [path] if "\x00" in str(key) else _nul_fields(item, path)
        return found
    if isinstance(value, list | tuple):
        return [p for index, item in enumerate(value) for p in _nul_fields(item, f"{field}[{index}]")]
    if hasattr(value, "__dataclass_fields__"):
        return _nul_fields({name: getattr(value, name) for name in value.__dataclass_fields__}, field)
    return []


def refuse_nul(value: Any, field: str = "") -> None:
    paths = _nul_fields(value, field)
    if paths:
        raise ValidationFailed(
            f"提交的内容有误：{NUL_MESSAGE}。",
            errors=[{"field": path, "message": NUL_MESSAGE, "type": "null_character"} for path in paths],
        )


def text(value: Any, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    refuse_nul(value, field)
    cleaned = str(value or "").strip()
    if required and not cleaned:
        raise ValidationFailed.for_field(field, f"请填写{label}")
    if len(cleaned) > max_length:
        raise ValidationFailed.for_field(field, f"{label}不能超过{max_length}个字")
    return cleaned


# --- the case -----------------------------------------------------------------------------------------


def case_snapshot(case: Case) -> dict[str, Any]:
    """What the audit trail keeps of a case: no clear personal data."""
    name = (
        case.applicant_name
        if case.applicant_kind == ApplicantKind.ENTERPRISE
        else mask_name(case.applicant_name)
    )
    return {
        "number": case.number,
        "item": case.version.code if case.version_id else "",
        "version_id": case.version_id,
        "status": case.status,
        "channel": case.channel,
        "applicant_kind": case.applicant_kind,
        "applicant": name,
        "department_id": case.department_id,
        "division_id": case.division_id,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "current_step_id": case.current_step_id,
        "lock_version": case.lock_version,
    }


def lock_case(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    found = (
        Case.objects.select_for_update(of=("self",))
        .select_related("version", "current_step", "department")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(OUT_OF_SCOPE)
    return found


def check_version(case: Case, expected_version: Any) -> None:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValidationFailed.for_field("expected_version", "请提供办件版本号（expected_version）")
    if case.lock_version != expected_version:
        raise Conflict(STALE_VERSION, code="stale_version")
