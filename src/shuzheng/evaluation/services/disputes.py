"""申诉复核: a department disputes a review of its own; a reviewer upholds (the evaluation is voided with the
reason — never deleted — and leaves the statistics; its unfinished rectification is closed) or dismisses it.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shuzheng.core import audit
from shuzheng.core.errors import Conflict, PermissionDenied
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.notifications import notify
from shuzheng.evaluation import selectors
from shuzheng.evaluation.constants import DisputeDecision, DisputeStatus
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification
from shuzheng.evaluation.services.common import clean_reason, link, require_perm_in_scope
from shuzheng.evaluation.services.ratings import evaluation_snapshot
from shuzheng.evaluation.services.rectifications import rectification_transition
from shuzheng.evaluation.workflow import RECTIFICATION, RectificationAction
from shuzheng.identity.actors import Actor


def dispute_snapshot(dispute: RatingDispute) -> dict[str, Any]:
    return {
        "evaluation_id": dispute.evaluation_id,
        "status": dispute.status,
        "reason": dispute.reason,
        "filed_by_id": dispute.filed_by_id,
        "reviewed_by_id": dispute.reviewed_by_id,
        "review_note": dispute.review_note,
    }


@transaction.atomic
def dispute_file(*, actor: Actor, evaluation: Evaluation, reason: str) -> RatingDispute:
    """申诉: the evaluated department contests a review it thinks malicious or mistaken (one pending
    dispute per evaluation; only its own department's evaluations). Only a person files one."""
    filer = require_perm_in_scope(actor, selectors.ADD_DISPUTE, evaluation.department, "提出评价申诉")
    if filer is None:
        raise PermissionDenied("评价申诉须由部门工作人员提出。")
    errs = FieldErrors()
    cleaned = clean_reason(errs, "reason", "申诉理由", reason)
    errs.raise_if_any()
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.voided:
        raise Conflict("该评价已作废，无需申诉。", code="evaluation_voided")
    if RatingDispute.objects.filter(evaluation=locked, status=DisputeStatus.PENDING).exists():
        raise Conflict("该评价已有待复核的申诉，请等待复核结果。", code="dispute_pending")
    try:
        with transaction.atomic():
            dispute = RatingDispute.objects.create(evaluation=locked, reason=cleaned, filed_by=filer)
    except IntegrityError as exc:
        raise Conflict("该评价已有待复核的申诉，请等待复核结果。", code="dispute_pending") from exc
    audit.record(
        actor=actor, action="evaluation.dispute.file", subject=dispute, after=dispute_snapshot(dispute)
    )
    return dispute


@transaction.atomic
def evaluation_void(*, actor: Actor, evaluation: Evaluation, reason: str) -> Evaluation:
    """作废 (after an upheld dispute): the row stays, flagged with the reason, and leaves the statistics;
    an unfinished rectification of it is closed. Callers check permissions."""
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.voided:
        raise Conflict("该评价已作废。", code="evaluation_voided")
    before = evaluation_snapshot(locked)
    locked.voided = True
    locked.void_reason = reason
    locked.save(update_fields=["voided", "void_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="evaluation.evaluation.void",
        subject=locked,
        before=before,
        after=evaluation_snapshot(locked),
    )
    rectification = Rectification.objects.filter(evaluation=locked).first()
    if rectification is not None and RECTIFICATION.target(rectification.status, RectificationAction.CLOSE):
        rectification_transition(
            actor=actor,
            rectification=rectification,
            action=RectificationAction.CLOSE,
            note=f"评价已作废：{reason}",
        )
    return locked


@transaction.atomic
def dispute_review(*, actor: Actor, dispute: RatingDispute, decision: str, note: str) -> RatingDispute:
    """复核: uphold (the evaluation is voided with `note` as the reason) or dismiss; one decision only;
    nobody reviews their own dispute."""
    evaluation = Evaluation.objects.select_related("department__division").get(pk=dispute.evaluation_id)
    reviewer = require_perm_in_scope(actor, selectors.REVIEW_DISPUTE, evaluation.department, "复核评价申诉")
    errs = FieldErrors()
    if decision not in DisputeDecision.values:
        errs.add("decision", "复核结论只能是“uphold”（申诉成立，作废评价）或“dismiss”（申诉不成立）")
    review_note = clean_reason(errs, "note", "复核意见", note)
    errs.raise_if_any()
    locked = RatingDispute.objects.select_for_update().get(pk=dispute.pk)
    if locked.status != DisputeStatus.PENDING:
        raise Conflict(f"该申诉已复核（{DisputeStatus(locked.status).label}）。", code="dispute_reviewed")
    if reviewer is not None and locked.filed_by_id == reviewer.pk:
        raise PermissionDenied("不能复核本人提交的申诉。")
    before = dispute_snapshot(locked)
    locked.status = DisputeStatus.UPHELD if decision == DisputeDecision.UPHOLD else DisputeStatus.DISMISSED
    locked.reviewed_by = reviewer
    locked.reviewed_at = timezone.now()
    locked.review_note = review_note
    locked.save()
    audit.record(
        actor=actor,
        action="evaluation.dispute.review",
        subject=locked,
        before=before,
        after=dispute_snapshot(locked),
    )
    if locked.status == DisputeStatus.UPHELD:
        evaluation_void(actor=actor, evaluation=evaluation, reason=review_note)
    notify(
        recipient=locked.filed_by,
        kind="evaluation.dispute",
        title=f"评价申诉复核结果：{DisputeStatus(locked.status).label}",
        body=f"复核意见：{review_note}",
        link=link("evaluation:evaluation_detail", evaluation.pk),
        dedupe_key=f"evaluation.dispute:{locked.pk}:reviewed",
    )
    return locked
