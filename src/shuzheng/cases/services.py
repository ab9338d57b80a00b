"""Every write of the cases context: uploads, submission from every channel, the one transition service.

Each service is keyword-only, runs in one transaction, checks who may act (permission, data scope,
workflow-step role), validates everything before it writes (bad input changes nothing) and records its
audit event in the same transaction. ``at`` (defaults to now) exists for imports and demo data; the API
never passes it.

Concurrency: transitions lock the case row (``select_for_update``; SQLite serialises writers with its
IMMEDIATE transactions) and compare ``expected_version`` with ``lock_version``, so of two clerks acting
on the same case the second gets a `Conflict` instead of silently overwriting. Case numbers come from
a locked per-day, per-division `CaseSequence` row. Submissions are idempotent per
(submitted_by, idempotency_key).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum import numdb

from shuzheng.cases import deadlines, form_privacy, notices, selectors
from shuzheng.cases.constants import ApplicantKind, CaseChannel, CaseStatus, DeliveryMethod, SuspensionKind
from shuzheng.cases.forms import validate_form
from shuzheng.cases.models import (
    Case,
    CaseMaterial,
    CaseSequence,
    CaseStatusChange,
    CorrectionRequest,
    MaterialUpload,
    Suspension,
)
from shuzheng.cases.uploads import check_file
from shuzheng.cases.workflow import (
    ACTION_PERMISSIONS,
    APPLICANT_ACTIONS,
    FINAL_STATUSES,
    INTAKE_PERMISSION,
    CaseAction,
    actions_from,
    decision_step,
    review_steps,
    target_status,
)
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.catalog.models import MaterialRequirement, ServiceItemVersion, WorkflowStep
from shuzheng.core import audit, calendar, counters
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from shuzheng.core.masking import mask_name
from shuzheng.core.validators import (
    PROVINCES,
    validate_division_code,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.models import Role, User
from shuzheng.orgs.models import Hall, Kiosk, Window

IDEMPOTENCY_KEY: Final = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
DEFAULT_CORRECTION_DAYS: Final = 5
MAX_CORRECTION_DAYS: Final = 60
MAX_DEFERRAL_DAYS: Final = 90
MAX_PENDING_UPLOADS: Final = 200
STALE_UPLOAD_HOURS: Final = 24
STALE_VERSION: Final = "办件已被他人更新，请刷新后重试"
IN_PERSON_CHANNELS: Final = frozenset({CaseChannel.WINDOW, CaseChannel.CROSS_REGION})
KIOSK_CHANNELS: Final = {
    CaseChannel.KIOSK: Kiosk.Kind.KIOSK,
    CaseChannel.BANK_TERMINAL: Kiosk.Kind.BANK_TERMINAL,
}
#: Staff permissions that may upload files (intake scans, correction on behalf, result documents).
UPLOAD_PERMISSIONS: Final = ("cases.intake_case", "cases.accept_case", "cases.deliver_case")


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


# --- helpers ------------------------------------------------------------------------------------------


class _Errors:
    """Collects field errors so one response names every bad field."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str, *, type: str = "invalid") -> None:
        self.items.append({"field": field, "message": message, "type": type})

    def extend(self, error: ValidationFailed) -> None:
        self.items.extend(error.errors or [{"field": "", "message": error.detail}])

    def raise_if_any(self, summary: str = "提交的内容有误") -> None:
        if self.items:
            shown = [
                f"{e['label']}：{e['message']}" if e.get("label") else e["message"] for e in self.items[:5]
            ]
            more = f"等{len(self.items)}处" if len(self.items) > 5 else ""
            detail = f"{summary}：" + "；".join(shown) + more
            raise ValidationFailed(detail, errors=list(self.items))


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _require_login(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise AuthenticationRequired()


def _is_staff(actor: Any) -> bool:
    return actor is not None and actor.kind == User.Kind.STAFF


NUL_MESSAGE: Final = "含有不可见的空字符，请删除后重新填写"


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


def _refuse_nul(value: Any, field: str = "") -> None:
    paths = _nul_fields(value, field)
    if paths:
        raise ValidationFailed(
            f"提交的内容有误：{NUL_MESSAGE}。",
            errors=[{"field": path, "message": NUL_MESSAGE, "type": "null_character"} for path in paths],
        )


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    _refuse_nul(value, field)
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed.for_field(field, f"请填写{label}")
    if len(text) > max_length:
        raise ValidationFailed.for_field(field, f"{label}不能超过{max_length}个字")
    return text


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


def region_name(code: str) -> str:
    """Province and county names of a GB/T 2260 code (python-stdnum's table), e.g. 四川省成都市."""
    parts: list[str] = []
    for _, props in numdb.get("cn/loc").info(code[:6]):
        for key in ("province", "county"):
            if key in props:
                name = re.sub(r"^\[[^\]]*\]", "", props[key])
                if name and name not in parts:
                    parts.append(name)
    return "".join(parts) or PROVINCES.get(code[:2], code)


# --- the live version -----------------------------------------------------------------------------


def version_for_application(code: str) -> ServiceItemVersion:
    """The published version an application for item `code` is filed under (catalog's selector); an
    unknown or unpublished item is a field error on ``item_code`` here, not a 404 of the whole call."""
    try:
        return catalog_selectors.version_for_application(code)
    except NotFound as exc:
        raise ValidationFailed.for_field(
            "item_code", f"事项“{(code or '').strip()}”不存在或暂停办理"
        ) from exc


# --- case numbers -------------------------------------------------------------------------------------


def next_case_number(*, division_code: str, day: date) -> str:
    """``YYYYMMDD-<division>-<6-digit sequence>`` from the per-day, per-division CaseSequence counter
    (core.counters: concurrent submissions queue on the counter row until the holder commits)."""
    value = counters.increment(CaseSequence, day=day, division_code=division_code)
    return f"{day:%Y%m%d}-{division_code}-{value:06d}"


# --- uploads ------------------------------------------------------------------------------------------


def _may_upload(actor: Any) -> bool:
    if not _is_staff(actor):
        return True
    return any(actor.has_perm(p) for p in UPLOAD_PERMISSIONS)


@transaction.atomic
def material_upload(*, actor: Any, file: Any, name: str = "") -> MaterialUpload:
    """Check one file (type by content, size, PDF pages), store it with its SM3 digest, return its id
    for a later submission, correction answer or delivery."""
    _require_login(actor)
    if not _may_upload(actor):
        raise PermissionDenied("没有上传办件材料的权限。")
    pending = MaterialUpload.objects.filter(uploaded_by=actor, material__isnull=True).count()
    if pending >= MAX_PENDING_UPLOADS:
        raise Conflict("未使用的上传文件过多，请先提交申请或稍后再试。", code="too_many_uploads")
    checked = check_file(file, name=name)
    upload = MaterialUpload(
        uploaded_by=actor,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        pages=checked.pages,
        sm3=checked.sm3,
    )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "application/ofd": "ofd"}
    upload.file.save(
        f"{uuid.uuid4().hex}.{extension[checked.content_type]}", ContentFile(checked.content), save=False
    )
    upload.save()
    audit.record(
        actor=actor,
        action="cases.upload.create",
        subject=upload,
        after={
            "content_type": upload.content_type,
            "size": upload.size,
            "pages": upload.pages,
            "sm3": upload.sm3,
        },
    )
    return upload


def _take_upload(
    actor: Any, upload_id: Any, *, field: str, locked: dict[int, MaterialUpload]
) -> MaterialUpload:
    upload = locked.get(upload_id) if isinstance(upload_id, int) else None
    if upload is None or upload.uploaded_by_id != actor.pk or upload.material_id is not None:
        raise ValidationFailed.for_field(field, "上传的文件不存在或已被使用，请重新上传")
    return upload


def _lock_uploads(ids: Sequence[Any]) -> dict[int, MaterialUpload]:
    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted:
        return {}
    return {u.pk: u for u in MaterialUpload.objects.select_for_update().filter(pk__in=wanted)}


def _material_from_upload(
    case: Case, requirement: MaterialRequirement | None, upload: MaterialUpload, actor: Any
) -> CaseMaterial:
    return CaseMaterial(
        case=case,
        requirement=requirement,
        name=requirement.name if requirement is not None else upload.original_name,
        file=upload.file.name,
        content_type=upload.content_type,
        size=upload.size,
        pages=upload.pages,
        sm3=upload.sm3,
        uploaded_by=actor,
    )


@transaction.atomic
def purge_stale_uploads(*, older_than_hours: int = STALE_UPLOAD_HOURS, now: datetime | None = None) -> int:
    """Delete uploads never attached to a case after `older_than_hours`, files included."""
    cutoff = _now(now) - timedelta(hours=older_than_hours)
    stale = list(MaterialUpload.objects.filter(material__isnull=True, created_at__lt=cutoff))
    names = [upload.file.name for upload in stale if upload.file.name]
    MaterialUpload.objects.filter(pk__in=[upload.pk for upload in stale]).delete()

    def delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    return len(stale)


# --- submission ---------------------------------------------------------------------------------------


def _place(
    *,
    channel: str,
    hall_id: int | None,
    window_id: int | None,
    kiosk_id: int | None,
    version: ServiceItemVersion,
    errors: _Errors,
) -> tuple[Hall | None, Window | None, Kiosk | None]:
    hall = window = kiosk = None
    if window_id is not None:
        window = Window.objects.select_related("hall__division").filter(pk=window_id, is_active=True).first()
        if window is None:
            errors.add("window_id", "窗口不存在或已停用")
        else:
            hall = window.hall
            if window.department_id and window.department_id != version.department_id:
                errors.add("window_id", "该专业窗口不受理本事项，请到综合窗口或本事项的专业窗口办理")
            elif window.kind == Window.Kind.COMPREHENSIVE and not version.comprehensive_window:
                errors.add("window_id", "本事项不在综合窗口受理，请到专业窗口办理")
    if hall_id is not None:
        found = Hall.objects.select_related("division").filter(pk=hall_id, is_active=True).first()
        if found is None:
            errors.add("hall_id", "政务服务大厅不存在或已停用")
        elif hall is not None and hall.pk != found.pk:
            errors.add("hall_id", "窗口不属于该大厅")
        else:
            hall = found
    if kiosk_id is not None:
        kiosk = Kiosk.objects.select_related("division").filter(pk=kiosk_id, is_active=True).first()
        if kiosk is None:
            errors.add("kiosk_id", "自助终端不存在或已停用")
        elif channel in KIOSK_CHANNELS and kiosk.kind != KIOSK_CHANNELS[CaseChannel(channel)]:
            errors.add("kiosk_id", f"该终端是{kiosk.get_kind_display()}，与申请渠道不符")
    if channel in KIOSK_CHANNELS and kiosk_id is None:
        errors.add("kiosk_id", "请注明自助终端")
    if (
        channel in IN_PERSON_CHANNELS
        and hall is None
        and not any(e["field"] in ("hall_id", "window_id") for e in errors.items)
    ):
        errors.add("window_id", "窗口受理须注明受理大厅或窗口")
    if channel == CaseChannel.PORTAL and (hall_id or window_id or kiosk_id):
        errors.add("channel", "网上申请不应填写大厅、窗口或终端")
    return hall, window, kiosk


def account_identity(actor: Any) -> dict[str, Any]:
    """Who a citizen or enterprise agent applies as online (the case's applicant columns)."""
    return _applicant_fields(actor=actor, applicant=None, errors=_Errors())


def _applicant_fields(*, actor: Any, applicant: ApplicantData | None, errors: _Errors) -> dict[str, Any]:
    """Case fields describing the applicant: the actor themselves, or who the clerk identified."""
    if not _is_staff(actor):
        if applicant is not None:
            errors.add("applicant", "网上或自助申请以登录账号为申请人，无需填写申请人信息")
            return {}
        if actor.kind == User.Kind.ENTERPRISE_AGENT:
            return {
                "applicant_kind": ApplicantKind.ENTERPRISE,
                "applicant": actor,
                "applicant_name": actor.enterprise_name or actor.full_name,
                "applicant_uscc": actor.enterprise_uscc,
                "applicant_id_number": actor.id_number,
                "applicant_id_index": actor.id_number_index,
                "applicant_mobile": actor.mobile,
            }
        return {
            "applicant_kind": ApplicantKind.PERSON,
            "applicant": actor,
            "applicant_name": actor.full_name,
            "applicant_id_number": actor.id_number,
            "applicant_id_index": actor.id_number_index,
            "applicant_mobile": actor.mobile,
        }
    if applicant is None:
        errors.add("applicant", "代为申请须填写申请人信息（身份证号码或统一社会信用代码）")
        return {}
    fields: dict[str, Any] = {}
    if applicant.kind not in ApplicantKind.values:
        errors.add("applicant.kind", "申请人类型应为自然人或法人")
        return {}
    name = str(applicant.name or "").strip()
    if not name:
        errors.add("applicant.name", "请填写申请人姓名或名称")
    elif len(name) > 128:
        errors.add("applicant.name", "申请人姓名或名称不能超过128个字")
    fields["applicant_kind"] = applicant.kind
    fields["applicant_name"] = name
    if applicant.mobile:
        try:
            fields["applicant_mobile"] = validate_mobile(applicant.mobile, field="applicant.mobile")
        except ValidationFailed as exc:
            errors.extend(exc)
    if applicant.kind == ApplicantKind.PERSON:
        try:
            number = validate_id_number(applicant.id_number, field="applicant.id_number")
        except ValidationFailed as exc:
            errors.extend(exc)
        else:
            fields["applicant_id_number"] = number
            fields["applicant_id_index"] = blind_index(number)
            fields["applicant"] = identity_selectors.citizen_get_by_id_number(number)
    else:
        try:
            fields["applicant_uscc"] = validate_uscc(applicant.uscc, field="applicant.uscc")
        except ValidationFailed as exc:
            errors.extend(exc)
        if applicant.id_number:  # the agent at the window, optional
            try:
                number = validate_id_number(applicant.id_number, field="applicant.id_number")
            except ValidationFailed as exc:
                errors.extend(exc)
            else:
                fields["applicant_id_number"] = number
                fields["applicant_id_index"] = blind_index(number)
    return fields


def _same_identity(given: Any, expected: str) -> bool:
    def norm(value: Any) -> str:
        return unicodedata.normalize("NFKC", str(value)).replace(" ", "").upper()

    return norm(given) == norm(expected)


def _bind_identity(
    *, actor: Any, schema: Any, form_data: Any, fields: dict[str, Any], errors: _Errors
) -> Any:
    """The form's identity fields (``x-applicant``) filled from the applicant when left out (免填写), and
    refused when they name somebody else: online the account's real name and ID number decide, at the
    window the applicant the clerk identified."""
    bound = form_privacy.applicant_fields(schema)
    if not bound or not isinstance(form_data, dict) or not fields:
        return form_data
    own = not _is_staff(actor)
    data = dict(form_data)
    properties = schema.get("properties") or {}
    for name, column in bound.items():
        expected = str(fields.get(column) or "")
        given = data.get(name)
        if given in (None, ""):
            if expected:
                data[name] = expected
            continue
        if (expected or own) and not _same_identity(given, expected):
            title = str((properties.get(name) or {}).get("title") or name)
            whose = "登录账号的实名信息" if own else "申请人信息"
            errors.add(
                f"form_data.{name}",
                f"{title}应与{whose}一致（此项免填写，由系统自动填入）",
                type="applicant_mismatch",
            )
    return data


def _check_materials(
    *,
    actor: Any,
    version: ServiceItemVersion,
    materials: Sequence[MaterialData],
    uploads: dict[int, MaterialUpload],
    errors: _Errors,
) -> list[tuple[MaterialRequirement, MaterialData, MaterialUpload | None]]:
    requirements = {r.code: r for r in version.materials.all()}
    accepted: list[tuple[MaterialRequirement, MaterialData, MaterialUpload | None]] = []
    provided: set[str] = set()
    attempted: set[str] = set()  # named but faulty: their own error says why, no "missing" as well
    used_uploads: set[int] = set()
    for index, material in enumerate(materials):
        field = f"materials[{index}]"
        requirement = requirements.get(str(material.code or "").strip())
        if requirement is None:
            errors.add(f"{field}.code", f"本事项没有编码为“{material.code}”的申请材料")
            continue
        attempted.add(requirement.code)
        ways = sum(
            [
                material.upload_id is not None,
                bool(material.licence_reference),
                material.checked_on_paper,
                material.deferred,
            ]
        )
        if ways != 1:
            errors.add(
                field, f"{requirement.name}：请上传文件、引用电子证照、窗口核验纸质原件或申请容缺，四选一"
            )
            continue
        upload = None
        if material.upload_id is not None:
            try:
                upload = _take_upload(actor, material.upload_id, field=f"{field}.upload_id", locked=uploads)
            except ValidationFailed as exc:
                errors.extend(exc)
                continue
            if upload.pk in used_uploads:
                errors.add(f"{field}.upload_id", "同一个上传文件不能用于两份材料")
                continue
            used_uploads.add(upload.pk)
        if material.licence_reference:
            if not requirement.licence_type:
                errors.add(f"{field}.licence_reference", f"{requirement.name}不是电子证照，不能免提交")
                continue
            if len(material.licence_reference) > 128:
                errors.add(f"{field}.licence_reference", "电子证照引用不能超过128个字符")
                continue
        if material.checked_on_paper and not _is_staff(actor):
            errors.add(f"{field}.checked_on_paper", "只有窗口工作人员可以登记已核验的纸质材料")
            continue
        if material.deferred and requirement.is_key:
            errors.add(f"{field}.deferred", f"{requirement.name}是核心材料，不能容缺")
            continue
        provided.add(requirement.code)
        accepted.append((requirement, material, upload))
    for requirement in requirements.values():
        if requirement.need == "required" and not requirement.exempt and requirement.code not in attempted:
            errors.add(f"materials.{requirement.code}", f"缺少必要材料：{requirement.name}", type="required")
    return accepted


def _materials_to_create(
    case: Case,
    accepted: list[tuple[MaterialRequirement, MaterialData, MaterialUpload | None]],
    version: ServiceItemVersion,
    actor: Any,
) -> list[tuple[CaseMaterial, MaterialUpload | None]]:
    rows: list[tuple[CaseMaterial, MaterialUpload | None]] = []
    provided = set()
    for requirement, material, upload in accepted:
        provided.add(requirement.code)
        if upload is not None:
            rows.append((_material_from_upload(case, requirement, upload, actor), upload))
            continue
        rows.append(
            (
                CaseMaterial(
                    case=case,
                    requirement=requirement,
                    name=requirement.name,
                    licence_reference=(
                        f"{requirement.licence_type}:{material.licence_reference}"[:128]
                        if material.licence_reference
                        else ""
                    ),
                    checked_on_paper=material.checked_on_paper,
                    deferred=material.deferred,
                    uploaded_by=actor,
                ),
                None,
            )
        )
    # 四免: what the government issues itself is not asked for; the licence type is kept as the reference.
    for requirement in version.materials.all():
        if requirement.exempt and requirement.code not in provided:
            rows.append(
                (
                    CaseMaterial(
                        case=case,
                        requirement=requirement,
                        name=requirement.name,
                        licence_reference=requirement.licence_type[:128],
                        uploaded_by=None,
                    ),
                    None,
                )
            )
    return rows


def _existing_submission(actor: Any, key: str, item_code: str) -> Case | None:
    existing = Case.objects.select_related("version").filter(submitted_by=actor, idempotency_key=key).first()
    if existing is not None and existing.version.code != item_code:
        raise Conflict(
            "该幂等键已用于另一份申请，请为新的申请使用新的幂等键。", code="idempotency_key_reused"
        )
    return existing


@transaction.atomic
def case_submit(
    *,
    actor: Any,
    channel: str,
    item_code: str,
    form_data: Any,
    materials: Sequence[MaterialData] = (),
    idempotency_key: str,
    applicant: ApplicantData | None = None,
    hall_id: int | None = None,
    window_id: int | None = None,
    kiosk_id: int | None = None,
    target_region: str | None = None,
    at: datetime | None = None,
) -> Case:
    """File one application; a retry with the same idempotency key returns the case already filed.

    - ``portal`` (and self-service ``kiosk`` / ``bank_terminal``): the logged-in citizen or enterprise
      agent is the applicant;
    - ``window`` (一窗受理), assisted ``kiosk`` / ``bank_terminal``, and ``cross_region`` (跨省通办代收,
      with ``target_region``): a clerk holding ``cases.intake_case`` files for ``applicant``, who is
      identified by ID number (person) or USCC (enterprise) and linked to their account if they have one.

    Checks: channel and applicant type allowed by the item version, form data against its JSON Schema,
    every required material present (exempt ones are referenced by their electronic licence type;
    non-key ones may be deferred), uploads belonging to the actor and unused. The clock is set from the
    promised limit; the case number from the division (the hall's or kiosk's for in-person channels,
    else the implementing department's).
    """
    _require_login(actor)
    _refuse_nul(
        {
            "item_code": item_code,
            "form_data": form_data,
            "applicant": applicant,
            "materials": materials,
            "target_region": target_region,
        }
    )
    key = str(idempotency_key or "").strip()
    if not IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed.for_field("idempotency_key", "幂等键应为1至64位字母、数字或 . _ : -")
    item_code = str(item_code or "").strip()
    existing = _existing_submission(actor, key, item_code)
    if existing is not None:
        return existing

    errors = _Errors()
    if channel not in CaseChannel.values:
        raise ValidationFailed.for_field("channel", "申请渠道无效")
    if _is_staff(actor):
        if not actor.has_perm(INTAKE_PERMISSION):
            raise PermissionDenied("没有代为申请（一窗受理）的权限。")
        if channel == CaseChannel.PORTAL:
            raise ValidationFailed.for_field("channel", "工作人员代为申请请选择窗口或自助终端渠道")
    elif channel in IN_PERSON_CHANNELS:
        raise ValidationFailed.for_field("channel", "窗口受理和跨省通办代收由工作人员办理")

    version = version_for_application(item_code)
    if channel == CaseChannel.CROSS_REGION:
        if not version.cross_region:
            errors.add("channel", "本事项不支持跨省通办")
    elif channel not in (version.channels or []):
        errors.add("channel", f"本事项不能通过“{CaseChannel(channel).label}”申请")
    region = ""
    if channel == CaseChannel.CROSS_REGION:
        try:
            region = validate_division_code(target_region or "", field="target_region")
        except ValidationFailed as exc:
            errors.extend(exc)
    elif target_region:
        errors.add("target_region", "只有跨省通办代收的申请填写目标地区")

    hall, window, kiosk = _place(
        channel=channel,
        hall_id=hall_id,
        window_id=window_id,
        kiosk_id=kiosk_id,
        version=version,
        errors=errors,
    )
    fields = _applicant_fields(actor=actor, applicant=applicant, errors=errors)
    kind = fields.get("applicant_kind")
    if kind and kind not in (version.applicant_types or []):
        errors.add("applicant.kind", f"本事项不受理{ApplicantKind(kind).label}申请")
    form_data = _bind_identity(
        actor=actor, schema=version.form_schema or {}, form_data=form_data, fields=fields, errors=errors
    )
    try:
        form = form_privacy.seal(version.form_schema, validate_form(version.form_schema or {}, form_data))
    except ValidationFailed as exc:
        errors.extend(exc)
        form = {}
    materials = as_materials(materials)
    uploads = _lock_uploads([m.upload_id for m in materials])
    accepted = _check_materials(
        actor=actor, version=version, materials=materials, uploads=uploads, errors=errors
    )
    errors.raise_if_any("申请未通过校验")

    division = (
        kiosk.division
        if kiosk is not None
        else hall.division
        if hall is not None
        else version.department.division
    )
    if region and region[:6] == division.code[:6]:
        raise ValidationFailed.for_field("target_region", "目标地区与受理地相同，无需跨省通办")
    received_at = _now(at)
    case = Case(
        item=version.item,
        version=version,
        department=version.department,
        division=division,
        channel=channel,
        hall=hall,
        window=window,
        kiosk=kiosk,
        target_region=region,
        target_region_name=region_name(region) if region else "",
        submitted_by=actor,
        idempotency_key=key,
        status=CaseStatus.SUBMITTED,
        form_data=form,
        applicant_name_index=selectors.applicant_name_index(fields.get("applicant_name") or ""),
        received_at=received_at,
        due_at=deadlines.compute_due_at(received_at=received_at, limit_days=version.promised_limit_days),
        **fields,
    )
    # A provisional number until the end: the real one comes from the division's counter row, which
    # concurrent submissions queue on until this transaction commits, so it is taken last.
    case.number = f"P{uuid.uuid4().hex}"
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # The same key filed concurrently: the other request won; return its case.
        existing = _existing_submission(actor, key, item_code)
        if existing is None:
            raise
        return existing
    rows = _materials_to_create(case, accepted, version, actor)
    CaseMaterial.objects.bulk_create([row for row, _ in rows])  # both databases return the new ids
    for row, upload in rows:
        if upload is not None:
            upload.material = row
            upload.save(update_fields=["material"])
    CaseStatusChange.objects.create(
        case=case,
        from_status="",
        to_status=CaseStatus.SUBMITTED,
        action="submit",
        actor=actor,
        occurred_at=received_at,
        data={"channel": channel, "materials": len(rows)},
    )
    case.number = next_case_number(division_code=division.code, day=timezone.localdate(received_at))
    Case.objects.filter(pk=case.pk).update(number=case.number)
    audit.record(actor=actor, action="cases.case.submit", subject=case, after=case_snapshot(case))
    return case


# --- transitions ---------------------------------------------------------------------------------------


def _authorise(actor: Any, case: Case, action: str) -> None:
    """Permission, data scope and (for applicant actions) ownership; NotFound outside the scope."""
    _require_login(actor)
    if action in APPLICANT_ACTIONS:
        if selectors.is_applicant(actor, case):
            return
        on_behalf = _is_staff(actor) and actor.has_perm(INTAKE_PERMISSION)
        if on_behalf and (
            case.submitted_by_id == actor.pk
            or selectors.case_in_scope(user=actor, case=case, permission=INTAKE_PERMISSION)
        ):
            return
        if _is_staff(actor) and selectors.case_in_scope(user=actor, case=case, permission="cases.view_case"):
            raise PermissionDenied("只有申请人本人或窗口工作人员可以代为办理。")
        raise NotFound("办件不存在或不在您的数据范围内。")
    if not _is_staff(actor):
        if selectors.is_applicant(actor, case):
            raise PermissionDenied("该操作由工作人员办理。")
        raise NotFound("办件不存在或不在您的数据范围内。")
    permission = ACTION_PERMISSIONS[action]
    if not actor.has_perm(permission):
        if selectors.case_in_scope(user=actor, case=case, permission="cases.view_case"):
            raise PermissionDenied(f"没有“{CaseAction(action).label}”的权限。")
        raise NotFound("办件不存在或不在您的数据范围内。")
    if not selectors.case_in_scope(user=actor, case=case, permission=permission):
        raise NotFound("办件不存在或不在您的数据范围内。")


def _step_role_refusal(actor: Any, case: Case, step: WorkflowStep) -> str | None:
    """Why `actor` may not act at `step` (they lack its role for its department), in Chinese; or None."""
    department_id = step.department_id or case.department_id
    if identity_selectors.user_has_role_for_department(actor, step.role_code, department_id):
        return None
    role = Role.objects.filter(code=step.role_code).values_list("name", flat=True).first()
    return f"您不是“{step.name}”环节的办理人员（需要“{role or '该环节'}”角色）。"


def _require_step_role(actor: Any, case: Case, step: WorkflowStep) -> None:
    refusal = _step_role_refusal(actor, case, step)
    if refusal:
        raise PermissionDenied(refusal, code="not_step_role")


def _deciding_step(case: Case) -> WorkflowStep | None:
    """The step whose role decides: the current one, or the last once every step is done; Conflict while
    review steps are still pending."""
    steps = _steps(case)
    step = case.current_step
    if step is not None and steps and steps[-1].pk != step.pk:
        raise Conflict(f"尚有审查环节未完成（当前：{step.name}），不能作出决定。", code="steps_pending")
    return step or decision_step(steps)


def _step_refusal(actor: Any, case: Case, action: str) -> str | None:
    """The workflow-step checks `case_transition` makes for step work and decisions, as a refusal."""
    step: WorkflowStep | None
    if action == CaseAction.COMPLETE_STEP:
        step = case.current_step
        return "审查环节已全部完成，请作出决定。" if step is None else _step_role_refusal(actor, case, step)
    if action in (CaseAction.APPROVE, CaseAction.REFUSE):
        try:
            step = _deciding_step(case)
        except Conflict as exc:
            return exc.detail
        return _step_role_refusal(actor, case, step) if step is not None else None
    return None


def offered_actions(actor: Any, case: Case) -> list[str]:
    """The actions to offer `actor` on `case`: allowed from its status, and passing the same permission,
    applicant and workflow-step checks `case_transition` makes (so nothing offered is then refused)."""
    applicant = selectors.is_applicant(actor, case)
    staff = _is_staff(actor)
    in_scope: dict[str, bool] = {}

    def may(permission: str) -> bool:
        if permission not in in_scope:
            in_scope[permission] = actor.has_perm(permission) and selectors.case_in_scope(
                user=actor, case=case, permission=permission
            )
        return in_scope[permission]

    offered = []
    for action in actions_from(case.status):
        if action in APPLICANT_ACTIONS:
            on_behalf = staff and actor.has_perm(INTAKE_PERMISSION)
            if applicant or (on_behalf and (case.submitted_by_id == actor.pk or may(INTAKE_PERMISSION))):
                offered.append(action)
        elif staff and may(ACTION_PERMISSIONS[action]) and _step_refusal(actor, case, action) is None:
            offered.append(action)
    return offered


def _steps(case: Case) -> list[WorkflowStep]:
    return list(
        WorkflowStep.objects.filter(version_id=case.version_id)
        .select_related("department")
        .order_by("position")
    )


def _enter_step(case: Case, step: WorkflowStep | None, actor: Any) -> None:
    case.current_step = step
    if step is None:
        case.step_department_id = None
        case.acting_user = None
        return
    department_id = step.department_id or case.department_id
    case.step_department_id = department_id
    holds = identity_selectors.user_has_role_for_department(actor, step.role_code, department_id)
    case.acting_user = actor if holds else None


def _date(value: Any, *, field: str, label: str) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed.for_field(field, f"{label}格式应为 YYYY-MM-DD") from exc


def _int(value: Any, *, field: str, label: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.for_field(field, f"{label}应为整数")
    if not low <= value <= high:
        raise ValidationFailed.for_field(field, f"{label}应在{low}到{high}之间")
    return value


def _correction_items(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationFailed.for_field("items", "请一次性列明需要补正的全部内容（至少一项）")
    items: list[dict[str, str]] = []
    errors = _Errors()
    for index, entry in enumerate(raw):
        target = getattr(entry, "target", None) if not isinstance(entry, dict) else entry.get("target")
        reason = getattr(entry, "reason", None) if not isinstance(entry, dict) else entry.get("reason")
        target, reason = str(target or "").strip(), str(reason or "").strip()
        if not target:
            errors.add(f"items[{index}].target", "请填写需补正的材料或事项")
        if not reason:
            errors.add(f"items[{index}].reason", "请填写补正原因或要求")
        if len(target) > 200 or len(reason) > 500:
            errors.add(f"items[{index}]", "补正内容过长")
        items.append({"target": target, "reason": reason})
    if len(items) > 50:
        errors.add("items", "补正内容最多50项")
    errors.raise_if_any("补正告知有误")
    return items


class _Transition:
    """One action on a locked case: validate `data`, then apply. Each handler returns (note, data)."""

    def __init__(self, actor: Any, case: Case, action: str, at: datetime, data: dict[str, Any]) -> None:
        self.actor, self.case, self.action, self.at, self.data = actor, case, action, at, dict(data)

    def take(self, name: str, default: Any = None) -> Any:
        return self.data.pop(name, default)

    def note(self, name: str = "note", label: str = "说明", *, required: bool = False) -> str:
        return _text(self.take(name), field=name, label=label, max_length=2000, required=required)

    def leftover(self) -> None:
        extra = [name for name, value in self.data.items() if value not in (None, "", [], {})]
        if extra:
            raise ValidationFailed(
                f"“{CaseAction(self.action).label}”不需要这些字段：{'、'.join(sorted(extra))}",
                errors=[
                    {"field": name, "message": "不允许的字段", "type": "extra_forbidden"}
                    for name in sorted(extra)
                ],
            )

    # --- acceptance -----------------------------------------------------------------------------------

    def accept(self) -> tuple[str, dict[str, Any]]:
        note = self.note()
        self.leftover()
        if self.case.target_region:
            raise Conflict("跨省通办代收件须转办至目标地区，不能在本地受理。", code="cross_region_case")
        if selectors.outstanding_deferred(self.case):
            raise Conflict(
                "申请人申请了容缺材料，请选择“容缺受理”并确定补交期限。", code="deferred_materials"
            )
        self._start()
        return note, {}

    def accept_with_deferral(self) -> tuple[str, dict[str, Any]]:
        note = self.note()
        codes = self.take("deferred") or []
        due = self.take("deferred_due")
        self.leftover()
        if self.case.target_region:
            raise Conflict("跨省通办代收件须转办至目标地区，不能在本地受理。", code="cross_region_case")
        if due is None:
            raise ValidationFailed.for_field("deferred_due", "请确定容缺材料的补交期限")
        due_date = _date(due, field="deferred_due", label="补交期限")
        today = timezone.localdate(self.at)
        if due_date <= today or due_date > today + timedelta(days=MAX_DEFERRAL_DAYS):
            raise ValidationFailed.for_field(
                "deferred_due", f"补交期限应在今天之后、{MAX_DEFERRAL_DAYS}天之内"
            )
        if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
            raise ValidationFailed.for_field("deferred", "容缺材料应为材料编码列表")
        requirements = {r.code: r for r in self.case.version.materials.all()}
        materials = list(self.case.materials.all())
        declared = {m.requirement_id for m in materials if m.deferred and m.supplied_at is None}
        have = {m.requirement_id for m in materials if not m.deferred}
        errors = _Errors()
        chosen: list[MaterialRequirement] = []
        for index, code in enumerate(dict.fromkeys(codes)):
            requirement = requirements.get(code)
            if requirement is None:
                errors.add(f"deferred[{index}]", f"本事项没有编码为“{code}”的申请材料")
            elif requirement.is_key:
                errors.add(f"deferred[{index}]", f"{requirement.name}是核心材料，不能容缺")
            elif requirement.pk in have:
                errors.add(f"deferred[{index}]", f"{requirement.name}已提交，无需容缺")
            else:
                chosen.append(requirement)
        undecided = [r for r in requirements.values() if r.pk in declared and r not in chosen]
        for requirement in undecided:
            chosen.append(requirement)  # declared at submission: deferred with the same due date
        if not chosen:
            errors.add("deferred", "请选择容缺的材料")
        errors.raise_if_any("容缺受理有误")
        for requirement in chosen:
            updated = CaseMaterial.objects.filter(
                case=self.case, requirement=requirement, deferred=True, supplied_at__isnull=True
            ).update(deferred_due=due_date)
            if not updated:
                CaseMaterial.objects.create(
                    case=self.case,
                    requirement=requirement,
                    name=requirement.name,
                    deferred=True,
                    deferred_due=due_date,
                    uploaded_by=None,
                )
        self._start()
        return note, {"deferred": [r.code for r in chosen], "deferred_due": due_date.isoformat()}

    def _start(self) -> None:
        self.case.accepted_at = self.at
        self.case.acting_user = self.actor
        deadlines.start_clock(self.case)

    def reject(self) -> tuple[str, dict[str, Any]]:
        reasons = self.note("reasons", "不予受理理由", required=True)
        basis = self.note("legal_basis", "法律依据")
        self.leftover()
        if self.case.status == CaseStatus.CORRECTION_REQUESTED:
            correction = selectors.open_correction(self.case)
            if correction is not None and correction.respond_by >= timezone.localdate(self.at):
                raise Conflict(
                    f"补正期限（{correction.respond_by:%Y年%m月%d日}）未到，不能以逾期未补正为由不予受理。",
                    code="correction_pending",
                )
            self.case.paused_since = None
        self.case.concluded_at = self.at
        self.case.acting_user = None
        return reasons, {"reasons": reasons, "legal_basis": basis}

    def request_correction(self) -> tuple[str, dict[str, Any]]:
        items = _correction_items(self.take("items"))
        days = _int(
            self.take("respond_days"),
            field="respond_days",
            label="补正期限（工作日）",
            low=1,
            high=MAX_CORRECTION_DAYS,
            default=DEFAULT_CORRECTION_DAYS,
        )
        note = self.note()
        self.leftover()
        respond_by = calendar.add_working_days(timezone.localdate(self.at), days)
        CorrectionRequest.objects.create(
            case=self.case, items=items, requested_by=self.actor, requested_at=self.at, respond_by=respond_by
        )
        deadlines.stop_clock(self.case, at=self.at)
        return note, {"items": items, "respond_by": respond_by.isoformat()}

    def respond_correction(self) -> tuple[str, dict[str, Any]]:
        note = self.note("note", "补正说明")
        materials = as_materials(self.take("materials"))
        self.leftover()
        correction = selectors.open_correction(self.case)
        if correction is None:  # pragma: no cover - the status guarantees one
            raise Conflict("没有待答复的补正告知。")
        added = _attach_materials(actor=self.actor, case=self.case, materials=materials)
        correction.responded_at = self.at
        correction.response_note = note
        correction.save(update_fields=["responded_at", "response_note", "updated_at"])
        days = deadlines.restart_clock(self.case, at=self.at)
        return note, {"materials": [m.pk for m in added], "paused_working_days": days}

    def forward(self) -> tuple[str, dict[str, Any]]:
        note = self.note()
        self.leftover()
        if not self.case.target_region:
            raise Conflict("只有跨省通办代收件可以转办。", code="not_cross_region")
        deadlines.stop_clock(self.case, at=self.at)
        self.case.acting_user = self.actor
        return note, {
            "target_region": self.case.target_region,
            "target_region_name": self.case.target_region_name,
        }

    # --- review ---------------------------------------------------------------------------------------

    def start_review(self) -> tuple[str, dict[str, Any]]:
        note = self.note()
        self.leftover()
        if selectors.outstanding_deferred(self.case) and any(
            m.deferred_due and m.deferred_due < timezone.localdate(self.at)
            for m in selectors.outstanding_deferred(self.case)
        ):
            raise Conflict("容缺材料已过补交期限仍未补交，请先催交或作出处理。", code="deferred_overdue")
        steps = review_steps(_steps(self.case))
        _enter_step(self.case, steps[0] if steps else None, self.actor)
        return note, {"step": steps[0].name if steps else ""}

    def complete_step(self) -> tuple[str, dict[str, Any]]:
        note = self.note("note", "环节意见")
        self.leftover()
        step = self.case.current_step
        if step is None:
            raise Conflict("审查环节已全部完成，请作出决定。", code="no_current_step")
        _require_step_role(self.actor, self.case, step)
        steps = review_steps(_steps(self.case))
        following = [s for s in steps if s.position > step.position]
        _enter_step(self.case, following[0] if following else None, self.actor)
        if not following:
            self.case.acting_user = None
        return note, {"step": step.name, "next_step": following[0].name if following else ""}

    def suspend(self) -> tuple[str, dict[str, Any]]:
        kind = self.take("kind")
        reason = self.note("reason", "特别程序原因", required=True)
        self.leftover()
        if kind not in SuspensionKind.values:
            raise ValidationFailed.for_field("kind", "特别程序应为听证、现场勘验或专家评审")
        Suspension.objects.create(case=self.case, kind=kind, reason=reason, started_at=self.at)
        deadlines.stop_clock(self.case, at=self.at)
        return reason, {"kind": kind}

    def resume(self) -> tuple[str, dict[str, Any]]:
        note = self.note()
        self.leftover()
        days = deadlines.restart_clock(self.case, at=self.at)
        suspension = self.case.suspensions.filter(ended_at__isnull=True).order_by("-started_at").first()
        if suspension is not None:
            suspension.ended_at = self.at
            suspension.working_days = days
            suspension.save(update_fields=["ended_at", "working_days", "updated_at"])
        return note, {"paused_working_days": days}

    def _decide(self, decision: str) -> tuple[str, dict[str, Any]]:
        required = decision == "refused"
        reasons = self.note("reasons", "决定理由", required=required)
        basis = self.note("legal_basis", "法律依据", required=required)
        self.leftover()
        # At the last step, or once every step is done: whoever holds the last step's role decides.
        deciding = _deciding_step(self.case)
        if deciding is not None:
            _require_step_role(self.actor, self.case, deciding)
        self.case.decision = decision
        self.case.decision_reasons = reasons
        self.case.decision_legal_basis = basis
        self.case.decided_at = self.at
        self.case.decided_by = self.actor
        self.case.current_step = None
        self.case.step_department = None
        self.case.acting_user = self.actor
        return reasons, {"decision": decision, "legal_basis": basis}

    def approve(self) -> tuple[str, dict[str, Any]]:
        return self._decide("approved")

    def refuse(self) -> tuple[str, dict[str, Any]]:
        return self._decide("refused")

    def deliver(self) -> tuple[str, dict[str, Any]]:
        method = self.take("method")
        upload_id = self.take("result_upload_id")
        note = self.note()
        self.leftover()
        if method not in DeliveryMethod.values:
            raise ValidationFailed.for_field("method", "送达方式应为窗口领取、邮寄送达或电子送达")
        if upload_id is not None:
            upload = _take_upload(
                self.actor, upload_id, field="result_upload_id", locked=_lock_uploads([upload_id])
            )
            self.case.result_file = upload.file.name
            upload.delete()  # the file now belongs to the case
        self.case.delivery_method = method
        self.case.delivered_at = self.at
        return note, {"method": method, "result_file": bool(self.case.result_file)}

    def conclude(self) -> tuple[str, dict[str, Any]]:
        note = self.note()
        self.leftover()
        if self.case.status == CaseStatus.FORWARDED and not self.case.remote_reference:
            raise Conflict("请先登记目标地区的受理编号，再办结转办件。", code="remote_reference_missing")
        self.case.concluded_at = self.at
        self.case.acting_user = None
        self.case.paused_since = None
        return note, {}

    def withdraw(self) -> tuple[str, dict[str, Any]]:
        reason = self.note("reason", "撤回原因")
        self.leftover()
        self.case.concluded_at = self.at
        self.case.acting_user = None
        self.case.current_step = None
        self.case.step_department = None
        if self.case.paused_since is not None:
            deadlines.restart_clock(self.case, at=self.at)
        return reason, {"by_applicant": selectors.is_applicant(self.actor, self.case)}


def _lock(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    found = (
        Case.objects.select_for_update(of=("self",))
        .select_related("version", "current_step", "department")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("办件不存在或不在您的数据范围内。")
    return found


def _check_version(case: Case, expected_version: Any) -> None:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValidationFailed.for_field("expected_version", "请提供办件版本号（expected_version）")
    if case.lock_version != expected_version:
        raise Conflict(STALE_VERSION, code="stale_version")


@transaction.atomic
def case_transition(
    *,
    actor: Any,
    case: Case | int,
    action: str,
    expected_version: int,
    at: datetime | None = None,
    **data: Any,
) -> Case:
    """Apply one workflow action (see `workflow.ALLOWED_TRANSITIONS`) and return the updated case.

    Order of checks: the action exists; the actor may take it on this case (permission and data
    scope — another scope's case is NotFound; applicant actions need the applicant or a clerk with
    ``cases.intake_case``); the version is current (else Conflict "办件已被他人更新，请刷新后重试"); the
    table allows it from the current status (else Conflict); then the action's own data and rules
    (workflow-step role for step work and decisions). Writes one CaseStatusChange and one audit event
    and bumps ``lock_version``.

    Data per action: accept (note); accept_with_deferral (deferred: [codes], deferred_due, note);
    reject (reasons, legal_basis); request_correction (items: [{target, reason}], respond_days=5,
    note); respond_correction (note, materials: [MaterialData]); forward (note); start_review (note);
    complete_step (note); suspend (kind, reason); resume (note); approve (reasons, legal_basis);
    refuse (reasons and legal_basis required); deliver (method, result_upload_id, note);
    conclude (note); withdraw (reason).
    """
    if action not in CaseAction.values:
        raise ValidationFailed.for_field("action", "未知的办件操作")
    _refuse_nul(data)
    locked = _lock(case)
    _authorise(actor, locked, action)
    _check_version(locked, expected_version)
    target = target_status(locked.status, action)
    if target is None:
        raise Conflict(
            f"办件当前状态为“{CaseStatus(locked.status).label}”，不能“{CaseAction(action).label}”。",
            code="transition_not_allowed",
        )
    now = _now(at)
    before = case_snapshot(locked)
    from_status = locked.status
    note, details = getattr(_Transition(actor, locked, action, now, data), action)()
    locked.status = target
    locked.lock_version += 1
    locked.save()
    change = CaseStatusChange.objects.create(
        case=locked,
        from_status=from_status,
        to_status=target,
        action=action,
        actor=actor,
        occurred_at=now,
        note=note,
        data=details,
    )
    notices.notify_applicant(locked, change)
    audit.record(
        actor=actor,
        action=f"cases.case.{action}",
        subject=locked,
        before=before,
        after={**case_snapshot(locked), **{k: v for k, v in details.items() if k != "items"}},
    )
    return locked


# --- other writes on a case ----------------------------------------------------------------------------


def _attach_materials(*, actor: Any, case: Case, materials: Sequence[MaterialData]) -> list[CaseMaterial]:
    """Attach uploads (or licence references) to a case; fills outstanding 容缺 rows of the same material."""
    materials = as_materials(materials)
    if not materials:
        return []
    requirements = {r.code: r for r in case.version.materials.all()}
    uploads = _lock_uploads([m.upload_id for m in materials])
    errors = _Errors()
    planned: list[tuple[MaterialRequirement | None, MaterialData, MaterialUpload | None]] = []
    for index, material in enumerate(materials):
        field = f"materials[{index}]"
        code = str(material.code or "").strip()
        requirement = requirements.get(code) if code else None
        if code and requirement is None:
            errors.add(f"{field}.code", f"本事项没有编码为“{code}”的申请材料")
            continue
        if material.upload_id is None and not material.licence_reference:
            errors.add(field, "请上传文件或引用电子证照")
            continue
        upload = None
        if material.upload_id is not None:
            try:
                upload = _take_upload(actor, material.upload_id, field=f"{field}.upload_id", locked=uploads)
            except ValidationFailed as exc:
                errors.extend(exc)
                continue
        elif requirement is None or not requirement.licence_type:
            errors.add(f"{field}.licence_reference", "该材料不是电子证照，请上传文件")
            continue
        planned.append((requirement, material, upload))
    errors.raise_if_any("材料有误")
    added: list[CaseMaterial] = []
    now = timezone.now()
    for requirement, material, upload in planned:
        row = None
        if requirement is not None:
            row = (
                CaseMaterial.objects.filter(
                    case=case, requirement=requirement, deferred=True, supplied_at__isnull=True
                )
                .order_by("id")
                .first()
            )
        if row is None:
            row = CaseMaterial(
                case=case, requirement=requirement, name=requirement.name if requirement else "补充材料"
            )
        else:
            row.supplied_at = now
        if upload is not None:
            row.file = upload.file.name
            row.content_type, row.size, row.pages, row.sm3 = (
                upload.content_type,
                upload.size,
                upload.pages,
                upload.sm3,
            )
            if requirement is None:
                row.name = upload.original_name[:200]
        else:
            row.licence_reference = (
                f"{requirement.licence_type}:{material.licence_reference}"[:128] if requirement else ""
            )
        row.uploaded_by = actor
        row.save()
        if upload is not None:
            upload.material = row
            upload.save(update_fields=["material"])
        added.append(row)
    return added


@transaction.atomic
def case_material_add(
    *, actor: Any, case: Case | int, materials: Sequence[MaterialData]
) -> list[CaseMaterial]:
    """Add materials to an open case — typically 容缺 materials supplied after acceptance. The applicant
    or a clerk holding intake/accept permission in scope may add; a row deferred for the same
    requirement is marked supplied."""
    locked = _lock(case)
    _require_login(actor)
    if not selectors.is_applicant(actor, locked):
        allowed = _is_staff(actor) and any(
            actor.has_perm(p) and selectors.case_in_scope(user=actor, case=locked, permission=p)
            for p in (INTAKE_PERMISSION, "cases.accept_case")
        )
        if not allowed:
            raise NotFound("办件不存在或不在您的数据范围内。")
    if locked.status in FINAL_STATUSES:
        raise Conflict(f"办件已{CaseStatus(locked.status).label}，不能再补充材料。", code="case_closed")
    if not materials:
        raise ValidationFailed.for_field("materials", "请至少提交一份材料")
    added = _attach_materials(actor=actor, case=locked, materials=materials)
    audit.record(
        actor=actor,
        action="cases.material.add",
        subject=locked,
        after={"materials": [{"id": m.pk, "name": m.name, "sm3": m.sm3} for m in added]},
    )
    return added


@transaction.atomic
def case_record_remote_reference(
    *, actor: Any, case: Case | int, reference: str, expected_version: int
) -> Case:
    """Record the number the target region gave a forwarded (跨省通办) case."""
    locked = _lock(case)
    _authorise(actor, locked, CaseAction.FORWARD)
    _check_version(locked, expected_version)
    if locked.status != CaseStatus.FORWARDED:
        raise Conflict("只有已转办的跨省通办件可以登记对方受理编号。", code="not_forwarded")
    reference = _text(reference, field="reference", label="对方受理编号", max_length=64, required=True)
    before = {"remote_reference": locked.remote_reference, "lock_version": locked.lock_version}
    locked.remote_reference = reference
    locked.lock_version += 1
    locked.save(update_fields=["remote_reference", "lock_version", "updated_at"])
    audit.record(
        actor=actor,
        action="cases.case.remote_reference",
        subject=locked,
        before=before,
        after={"remote_reference": reference, "lock_version": locked.lock_version},
    )
    return locked


@transaction.atomic
def case_claim(*, actor: Any, case: Case | int, expected_version: int) -> Case:
    """Take a case as its acting clerk: at the acceptance stage with ``cases.accept_case``, in review
    when holding the current step's role."""
    locked = _lock(case)
    if locked.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUESTED, CaseStatus.ACCEPTED):
        action = CaseAction.ACCEPT if locked.status != CaseStatus.ACCEPTED else CaseAction.START_REVIEW
    elif locked.status in (CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED):
        action = CaseAction.COMPLETE_STEP
    elif locked.status in (CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.DELIVERED):
        action = CaseAction.DELIVER
    else:
        _authorise(actor, locked, CaseAction.CONCLUDE)
        raise Conflict("该办件无需认领。", code="nothing_to_claim")
    _authorise(actor, locked, action)
    _check_version(locked, expected_version)
    if locked.status in (CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED) and locked.current_step is not None:
        _require_step_role(actor, locked, locked.current_step)
    before = {"acting_user_id": locked.acting_user_id, "lock_version": locked.lock_version}
    locked.acting_user = actor
    locked.lock_version += 1
    locked.save(update_fields=["acting_user", "lock_version", "updated_at"])
    audit.record(
        actor=actor,
        action="cases.case.claim",
        subject=locked,
        before=before,
        after={"acting_user_id": actor.pk, "lock_version": locked.lock_version},
    )
    return locked
