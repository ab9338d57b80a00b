"""The acceptance stage (受理): accept, accept with deferred materials (容缺受理), reject, ask once for
every correction (一次性告知) and the applicant's answer, and forward a 跨省通办 case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from shuzheng.cases import deadlines, selectors
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case, CaseMaterial, CorrectionRequest
from shuzheng.cases.services.common import CorrectionItem, MaterialData, as_materials, refuse_nul
from shuzheng.cases.services.materials import attach_materials
from shuzheng.cases.services.transition import (
    Move,
    as_date,
    bounded_int,
    note_text,
    start_clock,
    transition,
)
from shuzheng.cases.workflow import CaseAction
from shuzheng.core import calendar
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.core.field_errors import FieldErrors
from shuzheng.identity.actors import Actor

if TYPE_CHECKING:
    from shuzheng.catalog.models import MaterialRequirement

DEFAULT_CORRECTION_DAYS: Final = 5
MAX_CORRECTION_DAYS: Final = 60
MAX_DEFERRAL_DAYS: Final = 90
CROSS_REGION_HERE: Final = "跨省通办代收件须转办至目标地区，不能在本地受理。"


@transaction.atomic
def case_accept(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """受理: the clock starts; a case with deferred materials declared needs `case_accept_with_deferral`."""
    refuse_nul({"note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note)
        if move.case.target_region:
            raise Conflict(CROSS_REGION_HERE, code="cross_region_case")
        if selectors.outstanding_deferred(move.case):
            raise Conflict(
                "申请人申请了容缺材料，请选择“容缺受理”并确定补交期限。", code="deferred_materials"
            )
        start_clock(move)
        return text, {}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.ACCEPT,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_accept_with_deferral(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    deferred: Sequence[str] | None = None,
    deferred_due: date | str | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """容缺受理: accept with non-key materials `deferred` until `deferred_due`; materials the applicant
    declared deferred at submission are deferred with the same due date."""
    refuse_nul({"deferred": deferred, "deferred_due": deferred_due, "note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note)
        codes = deferred or []
        if move.case.target_region:
            raise Conflict(CROSS_REGION_HERE, code="cross_region_case")
        if deferred_due is None:
            raise ValidationFailed.for_field("deferred_due", "请确定容缺材料的补交期限")
        due_date = as_date(deferred_due, field="deferred_due", label="补交期限")
        today = timezone.localdate(move.at)
        if due_date <= today or due_date > today + timedelta(days=MAX_DEFERRAL_DAYS):
            raise ValidationFailed.for_field(
                "deferred_due", f"补交期限应在今天之后、{MAX_DEFERRAL_DAYS}天之内"
            )
        if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
            raise ValidationFailed.for_field("deferred", "容缺材料应为材料编码列表")
        chosen = _deferrable(move.case, codes)
        for requirement in chosen:
            updated = CaseMaterial.objects.filter(
                case=move.case, requirement=requirement, deferred=True, supplied_at__isnull=True
            ).update(deferred_due=due_date)
            if not updated:
                CaseMaterial.objects.create(
                    case=move.case,
                    requirement=requirement,
                    name=requirement.name,
                    deferred=True,
                    deferred_due=due_date,
                    uploaded_by=None,
                )
        start_clock(move)
        return text, {"deferred": [r.code for r in chosen], "deferred_due": due_date.isoformat()}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.ACCEPT_WITH_DEFERRAL,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


def _deferrable(case: Case, codes: Sequence[str]) -> list[MaterialRequirement]:
    """The requirements to defer: those named (non-key, not yet supplied) and those declared deferred."""
    requirements = {r.code: r for r in case.version.materials.all()}
    materials = list(case.materials.all())
    declared = {m.requirement_id for m in materials if m.deferred and m.supplied_at is None}
    have = {m.requirement_id for m in materials if not m.deferred}
    errors = FieldErrors()
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
    return chosen


@transaction.atomic
def case_reject(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    reasons: str | None = None,
    legal_basis: str | None = None,
    at: datetime | None = None,
) -> Case:
    """不予受理, with reasons; a case waiting for correction only once its respond-by date has passed."""
    refuse_nul({"reasons": reasons, "legal_basis": legal_basis})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(reasons, "reasons", "不予受理理由", required=True)
        basis = note_text(legal_basis, "legal_basis", "法律依据")
        if move.case.status == CaseStatus.CORRECTION_REQUESTED:
            correction = selectors.open_correction(move.case)
            if correction is not None and correction.respond_by >= timezone.localdate(move.at):
                raise Conflict(
                    f"补正期限（{correction.respond_by:%Y年%m月%d日}）未到，不能以逾期未补正为由不予受理。",
                    code="correction_pending",
                )
            move.case.paused_since = None
        move.case.concluded_at = move.at
        move.case.acting_user = None
        return text, {"reasons": text, "legal_basis": basis}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.REJECT,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


def _correction_items(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationFailed.for_field("items", "请一次性列明需要补正的全部内容（至少一项）")
    items: list[dict[str, str]] = []
    errors = FieldErrors()
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


@transaction.atomic
def case_request_correction(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    items: Sequence[CorrectionItem | dict[str, Any]] | None = None,
    respond_days: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """一次性告知补正: one complete list; the clock stops; `respond_days` working days to answer (5)."""
    refuse_nul({"items": items, "note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        listed = _correction_items(items)
        days = bounded_int(
            respond_days,
            field="respond_days",
            label="补正期限（工作日）",
            low=1,
            high=MAX_CORRECTION_DAYS,
            default=DEFAULT_CORRECTION_DAYS,
        )
        text = note_text(note)
        respond_by = calendar.add_working_days(timezone.localdate(move.at), days)
        CorrectionRequest.objects.create(
            case=move.case, items=listed, requested_by=move.user, requested_at=move.at, respond_by=respond_by
        )
        deadlines.stop_clock(move.case, at=move.at)
        return text, {"items": listed, "respond_by": respond_by.isoformat()}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.REQUEST_CORRECTION,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_respond_correction(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    note: str | None = None,
    materials: Sequence[MaterialData | dict[str, Any]] | None = None,
    at: datetime | None = None,
) -> Case:
    """The applicant (or a clerk on their behalf) answers the correction request; the clock restarts and
    the case returns to the acceptor."""
    refuse_nul({"note": note, "materials": materials})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note, "note", "补正说明")
        supplied = as_materials(materials)
        correction = selectors.open_correction(move.case)
        if correction is None:  # pragma: no cover - the status guarantees one
            raise Conflict("没有待答复的补正告知。")
        added = attach_materials(user=move.user, case=move.case, materials=supplied)
        correction.responded_at = move.at
        correction.response_note = text
        correction.save(update_fields=["responded_at", "response_note", "updated_at"])
        days = deadlines.restart_clock(move.case, at=move.at)
        return text, {"materials": [m.pk for m in added], "paused_working_days": days}

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.RESPOND_CORRECTION,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )


@transaction.atomic
def case_forward(
    *,
    actor: Actor,
    case: Case | int,
    expected_version: int,
    note: str | None = None,
    at: datetime | None = None,
) -> Case:
    """转办: a 跨省通办 case received here goes to its target region; the clock stops."""
    refuse_nul({"note": note})

    def apply(move: Move) -> tuple[str, dict[str, Any]]:
        text = note_text(note)
        if not move.case.target_region:
            raise Conflict("只有跨省通办代收件可以转办。", code="not_cross_region")
        deadlines.stop_clock(move.case, at=move.at)
        move.case.acting_user = move.user
        return text, {
            "target_region": move.case.target_region,
            "target_region_name": move.case.target_region_name,
        }

    return transition(
        actor=actor,
        case=case,
        action=CaseAction.FORWARD,
        expected_version=expected_version,
        at=at,
        apply=apply,
    )
