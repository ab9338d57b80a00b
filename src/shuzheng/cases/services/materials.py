"""Materials added to a case after submission: a correction answer's files, and 容缺 materials supplied
later (which mark the deferred row supplied)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from shuzheng.cases import selectors
from shuzheng.cases.access import OUT_OF_SCOPE, is_staff, signed_in
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case, CaseMaterial, MaterialUpload
from shuzheng.cases.services.common import MaterialData, as_materials, lock_case
from shuzheng.cases.services.uploads import lock_uploads, take_upload
from shuzheng.cases.workflow import FINAL_STATUSES, INTAKE_PERMISSION
from shuzheng.core import audit
from shuzheng.core.errors import Conflict, NotFound, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.catalog.models import MaterialRequirement
    from shuzheng.identity.models import User


def attach_materials(*, user: User, case: Case, materials: Sequence[MaterialData]) -> list[CaseMaterial]:
    """Attach uploads (or licence references) to a case; fills outstanding 容缺 rows of the same material."""
    materials = as_materials(materials)
    if not materials:
        return []
    requirements = {r.code: r for r in case.version.materials.all()}
    uploads = lock_uploads([m.upload_id for m in materials])
    errors = FieldErrors()
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
                upload = take_upload(user, material.upload_id, field=f"{field}.upload_id", locked=uploads)
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
        row.uploaded_by = user
        row.save()
        if upload is not None:
            upload.material = row
            upload.save(update_fields=["material"])
        added.append(row)
    return added


@transaction.atomic
def case_material_add(
    *, actor: Actor, case: Case | int, materials: Sequence[MaterialData]
) -> list[CaseMaterial]:
    """Add materials to an open case — typically 容缺 materials supplied after acceptance. The applicant
    or a clerk holding intake/accept permission in scope may add; a row deferred for the same
    requirement is marked supplied."""
    locked = lock_case(case)
    user = signed_in(actor)
    if not selectors.is_applicant(user, locked):
        allowed = is_staff(user) and any(
            user.has_perm(p) and selectors.case_in_scope(user=user, case=locked, permission=p)
            for p in (INTAKE_PERMISSION, "cases.accept_case")
        )
        if not allowed:
            raise NotFound(OUT_OF_SCOPE)
    if locked.status in FINAL_STATUSES:
        raise Conflict(f"办件已{CaseStatus(locked.status).label}，不能再补充材料。", code="case_closed")
    if not materials:
        raise ValidationFailed.for_field("materials", "请至少提交一份材料")
    added = attach_materials(user=user, case=locked, materials=materials)
    audit.record(
        actor=user,
        action="cases.material.add",
        subject=locked,
        after={"materials": [{"id": m.pk, "name": m.name, "sm3": m.sm3} for m in added]},
    )
    return added
