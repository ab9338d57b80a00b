"""Filing an application from every channel: the live version, where it was filed, its materials, the
case number; idempotent per (submitted_by, idempotency_key)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from stdnum import numdb

from shuzheng.cases import deadlines, form_privacy, selectors
from shuzheng.cases.access import is_staff, signed_in
from shuzheng.cases.constants import ApplicantKind, CaseChannel, CaseStatus
from shuzheng.cases.form_schema import validate_form
from shuzheng.cases.models import Case, CaseMaterial, CaseSequence, CaseStatusChange, MaterialUpload
from shuzheng.cases.services.applicant import applicant_fields, bind_identity
from shuzheng.cases.services.common import (
    ApplicantData,
    MaterialData,
    as_materials,
    case_snapshot,
    now_or,
    refuse_nul,
)
from shuzheng.cases.services.uploads import lock_uploads, material_from_upload, take_upload
from shuzheng.cases.signals import case_status_changed
from shuzheng.cases.workflow import INTAKE_PERMISSION
from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core import audit, counters
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.validators import PROVINCES, validate_division_code
from shuzheng.identity.actors import Actor
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import KioskKind, WindowKind

if TYPE_CHECKING:
    from shuzheng.catalog.models import MaterialRequirement, ServiceItemVersion
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Hall, Kiosk, Window

IDEMPOTENCY_KEY: Final = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
IN_PERSON_CHANNELS: Final = frozenset({CaseChannel.WINDOW, CaseChannel.CROSS_REGION})
KIOSK_CHANNELS: Final = {
    CaseChannel.KIOSK: KioskKind.KIOSK,
    CaseChannel.BANK_TERMINAL: KioskKind.BANK_TERMINAL,
}

Accepted: TypeAlias = "list[tuple[MaterialRequirement, MaterialData, MaterialUpload | None]]"


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


def version_for_application(code: str) -> ServiceItemVersion:
    """The published version an application for item `code` is filed under (catalog's selector); an
    unknown or unpublished item is a field error on ``item_code`` here, not a 404 of the whole call."""
    try:
        return catalog_selectors.version_for_filing(code)
    except NotFound as exc:
        raise ValidationFailed.for_field(
            "item_code", f"事项“{(code or '').strip()}”不存在或暂停办理"
        ) from exc


def next_case_number(*, division_code: str, day: date) -> str:
    """``YYYYMMDD-<division>-<6-digit sequence>`` from the per-day, per-division CaseSequence counter
    (core.counters: concurrent submissions queue on the counter row until the holder commits)."""
    value = counters.increment(CaseSequence, day=day, division_code=division_code)
    return f"{day:%Y%m%d}-{division_code}-{value:06d}"


def _place(
    *,
    channel: str,
    hall_id: int | None,
    window_id: int | None,
    kiosk_id: int | None,
    version: ServiceItemVersion,
    errors: FieldErrors,
) -> tuple[Hall | None, Window | None, Kiosk | None]:
    hall = window = kiosk = None
    if window_id is not None:
        window = orgs_selectors.active_window(window_id)
        if window is None:
            errors.add("window_id", "窗口不存在或已停用")
        else:
            hall = window.hall
            if window.department_id and window.department_id != version.department_id:
                errors.add("window_id", "该专业窗口不受理本事项，请到综合窗口或本事项的专业窗口办理")
            elif window.kind == WindowKind.COMPREHENSIVE and not version.comprehensive_window:
                errors.add("window_id", "本事项不在综合窗口受理，请到专业窗口办理")
    if hall_id is not None:
        found = orgs_selectors.active_hall(hall_id)
        if found is None:
            errors.add("hall_id", "政务服务大厅不存在或已停用")
        elif hall is not None and hall.pk != found.pk:
            errors.add("hall_id", "窗口不属于该大厅")
        else:
            hall = found
    if kiosk_id is not None:
        kiosk = orgs_selectors.active_kiosk(kiosk_id)
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


def _check_materials(
    *,
    user: User,
    version: ServiceItemVersion,
    materials: Sequence[MaterialData],
    uploads: dict[int, MaterialUpload],
    errors: FieldErrors,
) -> Accepted:
    requirements = {r.code: r for r in version.materials.all()}
    accepted: Accepted = []
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
                upload = take_upload(user, material.upload_id, field=f"{field}.upload_id", locked=uploads)
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
        if material.checked_on_paper and not is_staff(user):
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
    accepted: Accepted,
    version: ServiceItemVersion,
    user: User,
) -> list[tuple[CaseMaterial, MaterialUpload | None]]:
    rows: list[tuple[CaseMaterial, MaterialUpload | None]] = []
    provided = set()
    for requirement, material, upload in accepted:
        provided.add(requirement.code)
        if upload is not None:
            rows.append((material_from_upload(case, requirement, upload, user), upload))
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
                    uploaded_by=user,
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


#: Standard SQL (PostgreSQL and SQLite alike) over cases' own table and its unique index.
_EXISTING_SQL: Final = 'SELECT "id" FROM "cases_case" WHERE "submitted_by_id" = %s AND "idempotency_key" = %s'


def _existing_submission(user: User, key: str, item_code: str) -> Case | None:
    # Asked before every submission and nearly always answered "none": one narrow statement on the
    # (submitted_by, idempotency_key) unique index, written once, instead of an ORM query compiled per
    # request that loads the case and its version (bench/README.md); the case is loaded when there is one.
    with connection.cursor() as cursor:
        cursor.execute(_EXISTING_SQL, [user.pk, key])
        found = cursor.fetchone()
    if found is None:
        return None
    existing = Case.objects.select_related("version").get(pk=found[0])
    if existing.version.code != item_code:
        raise Conflict(
            "该幂等键已用于另一份申请，请为新的申请使用新的幂等键。", code="idempotency_key_reused"
        )
    return existing


def _known_children(case: Case, *, materials: list[CaseMaterial]) -> None:
    """What the response shows of a case just filed is known without reading it again: its materials as
    created, no corrections or suspensions yet. Kept as Django's prefetch keeps rows (a queryset holding
    them), so ``case.materials.all()`` gives them and ``case.materials.filter(...)`` still asks the
    database."""
    cache: dict[str, Any] = {}
    for name, rows in (("materials", materials), ("corrections", []), ("suspensions", [])):
        queryset = getattr(case, name).all()
        queryset._result_cache = rows
        queryset._prefetch_done = True
        cache[name] = queryset
    case._prefetched_objects_cache = cache  # type: ignore[attr-defined]


@transaction.atomic
def case_submit(
    *,
    actor: Actor,
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
    user = signed_in(actor)
    refuse_nul(
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
    existing = _existing_submission(user, key, item_code)
    if existing is not None:
        return existing

    errors = FieldErrors()
    if channel not in CaseChannel.values:
        raise ValidationFailed.for_field("channel", "申请渠道无效")
    if is_staff(user):
        if not user.has_perm(INTAKE_PERMISSION):
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
    fields = applicant_fields(user=user, applicant=applicant, errors=errors)
    kind = fields.get("applicant_kind")
    if kind and kind not in (version.applicant_types or []):
        errors.add("applicant.kind", f"本事项不受理{ApplicantKind(kind).label}申请")
    form_data = bind_identity(
        user=user, schema=version.form_schema or {}, form_data=form_data, fields=fields, errors=errors
    )
    try:
        form = form_privacy.seal(version.form_schema, validate_form(version.form_schema or {}, form_data))
    except ValidationFailed as exc:
        errors.extend(exc)
        form = {}
    materials = as_materials(materials)
    uploads = lock_uploads([m.upload_id for m in materials])
    accepted = _check_materials(
        user=user, version=version, materials=materials, uploads=uploads, errors=errors
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
    received_at = now_or(at).astimezone(UTC)
    case = Case(
        item_id=version.item_id,
        version=version,
        department=version.department,
        division=division,
        channel=channel,
        hall=hall,
        window=window,
        kiosk=kiosk,
        target_region=region,
        target_region_name=region_name(region) if region else "",
        submitted_by=user,
        idempotency_key=key,
        status=CaseStatus.SUBMITTED,
        form_data=form,
        applicant_name_index=selectors.applicant_name_index(fields.get("applicant_name") or ""),
        received_at=received_at,
        # In UTC, as the database gives it back: the response shows the case as written (cases.api).
        due_at=deadlines.compute_due_at(
            received_at=received_at, limit_days=version.promised_limit_days
        ).astimezone(UTC),
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
        existing = _existing_submission(user, key, item_code)
        if existing is None:
            raise
        return existing
    rows = _materials_to_create(case, accepted, version, user)
    CaseMaterial.objects.bulk_create([row for row, _ in rows])  # both databases return the new ids
    _known_children(case, materials=[row for row, _ in rows])
    for row, upload in rows:
        if upload is not None:
            upload.material = row
            upload.save(update_fields=["material"])
    CaseStatusChange.objects.create(
        case=case,
        from_status="",
        to_status=CaseStatus.SUBMITTED,
        action="submit",
        actor=user,
        occurred_at=received_at,
        data={"channel": channel, "materials": len(rows)},
    )
    case.number = next_case_number(division_code=division.code, day=timezone.localdate(received_at))
    Case.objects.filter(pk=case.pk).update(number=case.number)
    audit.record(actor=user, action="cases.case.submit", subject=case, after=case_snapshot(case))
    case_status_changed.send(
        sender=Case,
        case_id=case.pk,
        from_status="",
        to_status=CaseStatus.SUBMITTED,
        action="submit",
        actor=user,
    )
    return case
