"""What a case's moves mean for licences (called from ``licences.receivers`` on cases' signal):

- acceptance: each material the applicant satisfied with an e-licence (a reference, or 免提交 by the
  licence type) is matched to a licence they hold and the use recorded (用证); a referenced licence that
  is revoked, superseded or expired, or not theirs, refuses the acceptance;
- approval: the 准予许可决定书, and the licence(s) the item produces, issued to the applicant;
- refusal: the 不予许可决定书.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from shuzheng.cases import selectors as cases_selectors
from shuzheng.cases.constants import ApplicantKind
from shuzheng.core.actors import SYSTEM
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import ApplicationError, Conflict
from shuzheng.identity.actors import Actor
from shuzheng.identity.constants import DataScopeKind
from shuzheng.identity.scopes import DataScope, Grant
from shuzheng.licences import identifiers
from shuzheng.licences.constants import HolderKind, LicenceStatus
from shuzheng.licences.models import Licence, LicenceType, LicenceUse
from shuzheng.licences.services.common import person
from shuzheng.licences.services.licences import licence_issue

if TYPE_CHECKING:
    from shuzheng.cases.models import Case

logger = logging.getLogger(__name__)

#: The platform reads the case it reacts to whatever the acting clerk's scope (the clerk was checked).
PLATFORM_SCOPE = DataScope(user_id=None, grants=(Grant(kind=DataScopeKind.ALL),))


def case_for(case_id: int) -> Case | None:
    return cases_selectors.case_in_scope_of(scope=PLATFORM_SCOPE, case_id=case_id)


def applicant_code(case: Case) -> str:
    if case.applicant_kind == ApplicantKind.ENTERPRISE:
        return case.applicant_uscc or ""
    return case.applicant_id_number or ""


def _held(case: Case) -> Any:
    """The applicant's licences: by account, or by the ID number / USCC on the case."""
    code = applicant_code(case)
    held = Licence.objects.none()
    if case.applicant_id:
        held = Licence.objects.filter(holder_user_id=case.applicant_id)
    if code:
        held = held | Licence.objects.filter(holder_code_index=blind_index(code))
    return held.select_related("licence_type", "seal")


def _match(case: Case, label: str, reference: str) -> Licence | None:
    """The licence a material names; None when the platform holds no such licence (another issuer's)."""
    held = _held(case)
    if reference:
        parsed = identifiers.parse(reference)
        lookup = {"identifier": str(parsed)} if parsed else {"number": reference}
        found = Licence.objects.select_related("licence_type", "seal").filter(**lookup).first()
        if found is None:
            return None
        if not held.filter(pk=found.pk).exists():
            raise Conflict(
                f"材料引用的电子证照 {reference} 不属于申请人，不能用于本办件。", code="licence_not_held"
            )
        return found
    return (
        held.filter(licence_type__material_label=label, status=LicenceStatus.VALID)
        .order_by("-issued_on")
        .first()
    )


def record_uses(*, actor: Actor, case_id: int, at: datetime | None = None) -> list[LicenceUse]:
    """用证 at acceptance; refuses (Conflict) a material satisfied by a licence that is no longer valid.
    ``at`` is when it was used (now; the demo passes its cases' acceptance times)."""
    case = case_for(case_id)
    if case is None:
        return []
    now = at or timezone.now()
    uses = []
    for material in cases_selectors.case_materials(case):
        if not material.licence_reference:
            continue
        label, _, reference = material.licence_reference.partition(":")
        licence = _match(case, label.strip(), reference.strip())
        if licence is None:
            continue
        if licence.status != LicenceStatus.VALID or (
            licence.valid_until and licence.valid_until < timezone.localdate(now)
        ):
            raise Conflict(
                f"材料“{material.name}”引用的电子证照{LicenceStatus(licence.status).label}，不能用于办件，请提交有效证照。",
                code="licence_not_valid",
            )
        use, _ = LicenceUse.objects.get_or_create(
            licence=licence,
            case_id=case.pk,
            defaults={
                "item_id": case.item_id,
                "material_name": material.name[:200],
                "used_by": person(actor),
                "used_at": now,
            },
        )
        uses.append(use)
    return uses


def _holder(case: Case, licence_type: LicenceType) -> tuple[str, str] | None:
    wanted = (
        ApplicantKind.PERSON if licence_type.holder_kind == HolderKind.PERSON else ApplicantKind.ENTERPRISE
    )
    if case.applicant_kind != wanted:
        return None
    code = applicant_code(case)
    return (case.applicant_name, code) if code else None


def issue_for_case(*, case_id: int) -> list[Licence]:
    """The licences an approved case's item produces, each in its own savepoint: a department without a
    valid seal gets no licence (logged; staff issue it once the seal is there), the approval stands."""
    case = case_for(case_id)
    if case is None:
        return []
    issued = []
    for licence_type in LicenceType.objects.filter(items__id=case.item_id, is_active=True).select_related(
        "department__division"
    ):
        if Licence.objects.filter(case_id=case.pk, licence_type=licence_type).exists():
            continue
        holder = _holder(case, licence_type)
        if holder is None:
            logger.debug("licences.case_issue_skipped", extra={"case": case.pk, "type": licence_type.code})
            continue
        known = {f["key"] for f in licence_type.fields}
        data = {
            k: str(v)[:200] for k, v in (case.form_data or {}).items() if k in known and v not in (None, "")
        }
        try:
            with transaction.atomic():
                issued.append(
                    licence_issue(
                        actor=SYSTEM,  # the platform issues on approval (the approver needs no issue_licence)
                        licence_type=licence_type,
                        holder_name=holder[0],
                        holder_code=holder[1],
                        holder_user=case.applicant,
                        data=data,
                        case=case,
                    )
                )
        except ApplicationError as exc:
            logger.debug("licences.case_issue_failed", extra={"case": case.pk, "reason": exc.detail})
    return issued
