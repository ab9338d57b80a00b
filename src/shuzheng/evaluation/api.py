"""/api/v1/evaluation/...: 好差评 — evaluations (online, on site, QR), rectifications, disputes, statistics.

Thin: parse, call one selector or service, shape the output. Everything needs a login except the public
QR evaluation; permissions and data scopes are checked in the selectors and services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.security import django_auth

from shuzheng.core.errors import ValidationFailed
from shuzheng.core.middleware import client_ip
from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.core.spreadsheets import XLSX_CONTENT_TYPE
from shuzheng.evaluation import selectors, stats
from shuzheng.evaluation.constants import DisputeStatus, EvaluationChannel, RectificationStatus
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification
from shuzheng.evaluation.schemas import (
    AssignIn,
    CaseEvaluationIn,
    CheckIn,
    DisputeIn,
    DisputeOut,
    DisputePage,
    DisputeReviewIn,
    EvaluationOut,
    EvaluationPage,
    EvaluationReceiptOut,
    QrEvaluationIn,
    RatingIn,
    RectificationDetailOut,
    RectificationPage,
    ResultIn,
    ReturnVisitIn,
    StatsOut,
)
from shuzheng.evaluation.services import disputes, ratings, rectifications

router = Router(tags=["好差评"], auth=django_auth)


# --- shaping ------------------------------------------------------------------------------------


def _person(user: Any) -> str:
    return user.full_name if user is not None else ""


def evaluation_out(evaluation: Evaluation, *, clear: bool) -> dict[str, Any]:
    rectification = getattr(evaluation, "rectification", None) if evaluation.is_bad else None
    return {
        "id": evaluation.pk,
        "case_id": evaluation.case_id,
        "case_number": evaluation.case.number if evaluation.case_id and evaluation.case else None,
        "channel": evaluation.channel,
        "channel_label": evaluation.get_channel_display(),
        "department_id": evaluation.department_id,
        "department_name": evaluation.department.name,
        "item_id": evaluation.item_id,
        "item_name": selectors.item_name(evaluation),
        "hall_id": evaluation.hall_id,
        "hall_name": evaluation.hall.name if evaluation.hall_id and evaluation.hall else None,
        "window_id": evaluation.window_id,
        "window_number": evaluation.window.number if evaluation.window_id and evaluation.window else None,
        "level": evaluation.level,
        "level_label": evaluation.get_level_display(),
        "is_bad": evaluation.is_bad,
        "dimensions": evaluation.dimensions,
        "comment": evaluation.comment,
        "evaluator": selectors.evaluator_name(evaluation, clear=clear),
        "real_name": evaluation.real_name,
        "contact": selectors.evaluator_contact(evaluation, clear=clear),
        "evaluated_at": evaluation.evaluated_at,
        "voided": evaluation.voided,
        "void_reason": evaluation.void_reason,
        "rectification_id": rectification.pk if rectification is not None else None,
        "rectification_status": rectification.status if rectification is not None else None,
    }


def receipt_out(evaluation: Evaluation) -> dict[str, Any]:
    message = "感谢您的评价！"
    if evaluation.is_bad:
        message += "我们已安排整改，并将在整改期限内回访您。" if evaluation.contact else "我们已安排整改。"
    return {
        "id": evaluation.pk,
        "channel": evaluation.channel,
        "level": evaluation.level,
        "level_label": evaluation.get_level_display(),
        "is_bad": evaluation.is_bad,
        "evaluated_at": evaluation.evaluated_at,
        "message": message,
    }


def rectification_out(rectification: Rectification) -> dict[str, Any]:
    overdue = getattr(rectification, "overdue", None)
    if overdue is None:
        overdue = selectors.is_overdue(rectification)
    evaluation = rectification.evaluation
    return {
        "id": rectification.pk,
        "evaluation_id": rectification.evaluation_id,
        "department_id": rectification.department_id,
        "department_name": rectification.department.name,
        "owner_id": rectification.owner_id,
        "owner_name": _person(rectification.owner) or None,
        "unassigned": rectification.owner_id is None,
        "status": rectification.status,
        "status_label": rectification.get_status_display(),
        "due_date": rectification.due_date,
        "overdue": bool(overdue),
        "return_visit_required": rectification.return_visit_required,
        "return_visited_at": rectification.return_visited_at,
        "return_visit_note": rectification.return_visit_note,
        "result": rectification.result,
        "rectified_at": rectification.rectified_at,
        "checked_by_id": rectification.checked_by_id,
        "checked_at": rectification.checked_at,
        "check_note": rectification.check_note,
        "level": evaluation.level,
        "level_label": evaluation.get_level_display(),
    }


def rectification_detail_out(rectification: Rectification) -> dict[str, Any]:
    data = rectification_out(rectification)
    data["history"] = [
        {
            "from_status": event.from_status,
            "to_status": event.to_status,
            "to_status_label": RectificationStatus(event.to_status).label,
            "action": event.action,
            "actor": _person(event.actor) or "系统",
            "occurred_at": event.occurred_at,
            "note": event.note,
        }
        for event in selectors.rectification_history(rectification)
    ]
    return data


def dispute_out(dispute: RatingDispute) -> dict[str, Any]:
    evaluation = dispute.evaluation
    return {
        "id": dispute.pk,
        "evaluation_id": dispute.evaluation_id,
        "department_name": evaluation.department.name,
        "level": evaluation.level,
        "level_label": evaluation.get_level_display(),
        "reason": dispute.reason,
        "filed_by": _person(dispute.filed_by),
        "status": dispute.status,
        "status_label": dispute.get_status_display(),
        "reviewed_by": _person(dispute.reviewed_by) or None,
        "reviewed_at": dispute.reviewed_at,
        "review_note": dispute.review_note,
        "created_at": dispute.created_at,
    }


def _rating(payload: RatingIn) -> dict[str, Any]:
    return {"level": payload.level, "dimensions": payload.dimensions, "comment": payload.comment}


def _date_range(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed.for_field("date_to", "结束日期不能早于开始日期")


# --- evaluating ---------------------------------------------------------------------------------


@router.post(
    "/evaluations/online", response={201: EvaluationReceiptOut}, summary="线上评价办件（一事一评，申请人）"
)
def submit_online(request: HttpRequest, payload: CaseEvaluationIn) -> Status[dict[str, Any]]:
    case = selectors.case_for_applicant(user=request.user, case_id=payload.case_id)
    evaluation = ratings.evaluation_submit_online(actor=request.user, case=case, **_rating(payload))
    return Status(201, receipt_out(evaluation))


@router.post("/evaluations/onsite", response={201: EvaluationOut}, summary="录入现场评价（一次一评，窗口）")
def record_onsite(request: HttpRequest, payload: CaseEvaluationIn) -> Status[dict[str, Any]]:
    case = selectors.case_for_onsite(user=request.user, case_id=payload.case_id)
    evaluation = ratings.evaluation_record_onsite(actor=request.user, case=case, **_rating(payload))
    return Status(201, evaluation_out(evaluation, clear=selectors.can_see_clear_personal_data(request.user)))


@router.post(
    "/evaluations/qr", response={201: EvaluationReceiptOut}, auth=None, summary="大厅/窗口二维码评价（公开）"
)
def submit_qr(request: HttpRequest, payload: QrEvaluationIn) -> Status[dict[str, Any]]:
    hall, window = selectors.hall_for_qr(code=payload.hall_code, window_number=payload.window_number)
    # Anonymous through the API (a public endpoint has no CSRF check, so a session must not sign it);
    # the portal's QR page records a logged-in person by real name.
    evaluation = ratings.evaluation_submit_qr(
        actor=AnonymousUser(),
        hall=hall,
        window=window,
        phone=payload.phone,
        client_ip=client_ip(request),
        **_rating(payload),
    )
    return Status(201, receipt_out(evaluation))


@router.get("/evaluations/mine", response=EvaluationPage, summary="我的评价")
def my_evaluations(
    request: HttpRequest, cursor: str | None = None, limit: PageLimit = DEFAULT_LIMIT
) -> dict[str, Any]:
    page = selectors.my_evaluations(user=request.user, cursor=cursor, limit=limit)
    return {**page_out(page), "items": [evaluation_out(e, clear=True) for e in page.items]}


# --- reading (staff) ----------------------------------------------------------------------------


@router.get("/evaluations", response=EvaluationPage, summary="评价列表（本人数据范围）")
def list_evaluations(
    request: HttpRequest,
    channel: EvaluationChannel | None = None,
    level: int | None = None,
    bad_only: bool = False,
    voided: bool | None = None,
    department_id: int | None = None,
    hall_id: int | None = None,
    window_id: int | None = None,
    item_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    _date_range(date_from, date_to)
    filters = selectors.EvaluationFilters(
        channel=channel,
        level=level,
        bad_only=bad_only,
        voided=voided,
        department_id=department_id,
        hall_id=hall_id,
        window_id=window_id,
        item_id=item_id,
        date_from=date_from,
        date_to=date_to,
    )
    page = selectors.evaluation_list(user=request.user, filters=filters, cursor=cursor, limit=limit)
    clear = selectors.can_see_clear_personal_data(request.user)
    return {**page_out(page), "items": [evaluation_out(e, clear=clear) for e in page.items]}


@router.get("/evaluations/{int:evaluation_id}", response=EvaluationOut, summary="评价详情")
def get_evaluation(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    return evaluation_out(evaluation, clear=selectors.can_see_clear_personal_data(request.user))


# --- rectifications -----------------------------------------------------------------------------


@router.get("/rectifications", response=RectificationPage, summary="差评整改列表（超期标记）")
def list_rectifications(
    request: HttpRequest,
    state: str | None = None,
    status: RectificationStatus | None = None,
    overdue: bool | None = None,
    unassigned: bool = False,
    mine: bool = False,
    department_id: int | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    if state and state not in selectors.RECTIFICATION_STATES:
        raise ValidationFailed.for_field(
            "state", "state 只能是 open（待整改）、awaiting_check（待核查）或 done（已办结）"
        )
    filters = selectors.RectificationFilters(
        state=state,
        status=status,
        overdue=overdue,
        unassigned=unassigned,
        mine=mine,
        department_id=department_id,
    )
    page = selectors.rectification_list(user=request.user, filters=filters, cursor=cursor, limit=limit)
    return {**page_out(page), "items": [rectification_out(r) for r in page.items]}


def _rectification(request: HttpRequest, rectification_id: int) -> Rectification:
    return selectors.rectification_get(user=request.user, rectification_id=rectification_id)


@router.get("/rectifications/{int:rectification_id}", response=RectificationDetailOut, summary="差评整改详情")
def get_rectification(request: HttpRequest, rectification_id: int) -> dict[str, Any]:
    return rectification_detail_out(_rectification(request, rectification_id))


@router.post(
    "/rectifications/{int:rectification_id}/return-visit", response=RectificationDetailOut, summary="记录回访"
)
def record_return_visit(
    request: HttpRequest, rectification_id: int, payload: ReturnVisitIn
) -> dict[str, Any]:
    rectification = _rectification(request, rectification_id)
    rectifications.rectification_record_return_visit(
        actor=request.user, rectification=rectification, note=payload.note
    )
    return rectification_detail_out(_rectification(request, rectification_id))


@router.post(
    "/rectifications/{int:rectification_id}/result", response=RectificationDetailOut, summary="提交整改结果"
)
def submit_result(request: HttpRequest, rectification_id: int, payload: ResultIn) -> dict[str, Any]:
    rectification = _rectification(request, rectification_id)
    rectifications.rectification_submit_result(
        actor=request.user, rectification=rectification, result=payload.result
    )
    return rectification_detail_out(_rectification(request, rectification_id))


@router.post(
    "/rectifications/{int:rectification_id}/check",
    response=RectificationDetailOut,
    summary="核查整改（督查）",
)
def check_rectification(request: HttpRequest, rectification_id: int, payload: CheckIn) -> dict[str, Any]:
    rectification = _rectification(request, rectification_id)
    rectifications.rectification_check(
        actor=request.user, rectification=rectification, passed=payload.passed, note=payload.note
    )
    return rectification_detail_out(_rectification(request, rectification_id))


@router.post(
    "/rectifications/{int:rectification_id}/assign", response=RectificationDetailOut, summary="分派整改责任人"
)
def assign_rectification(request: HttpRequest, rectification_id: int, payload: AssignIn) -> dict[str, Any]:
    rectification = _rectification(request, rectification_id)
    owner = selectors.rectification_handlers(department=rectification.department).filter(pk=payload.owner_id)
    rectifications.rectification_assign(actor=request.user, rectification=rectification, owner=owner.first())
    return rectification_detail_out(_rectification(request, rectification_id))


# --- disputes ------------------------------------------------------------------------------------


@router.post(
    "/evaluations/{int:evaluation_id}/appeals",
    response={201: DisputeOut},
    summary="对评价提出申诉（本部门）",
)
def file_dispute(request: HttpRequest, evaluation_id: int, payload: DisputeIn) -> Status[dict[str, Any]]:
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    dispute = disputes.dispute_file(actor=request.user, evaluation=evaluation, reason=payload.reason)
    return Status(201, dispute_out(selectors.dispute_get(user=request.user, dispute_id=dispute.pk)))


@router.get("/appeals", response=DisputePage, summary="评价申诉列表")
def list_disputes(
    request: HttpRequest,
    status: str | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    if status and status not in DisputeStatus.values:
        raise ValidationFailed.for_field("status", "status 只能是 pending、upheld 或 dismissed")
    page = selectors.dispute_list(user=request.user, status=status, cursor=cursor, limit=limit)
    return {**page_out(page), "items": [dispute_out(a) for a in page.items]}


@router.get("/appeals/{int:dispute_id}", response=DisputeOut, summary="评价申诉详情")
def get_dispute(request: HttpRequest, dispute_id: int) -> dict[str, Any]:
    return dispute_out(selectors.dispute_get(user=request.user, dispute_id=dispute_id))


@router.post("/appeals/{int:dispute_id}/review", response=DisputeOut, summary="复核申诉（成立则作废评价）")
def review_dispute(request: HttpRequest, dispute_id: int, payload: DisputeReviewIn) -> dict[str, Any]:
    dispute = selectors.dispute_get(user=request.user, dispute_id=dispute_id)
    disputes.dispute_review(actor=request.user, dispute=dispute, decision=payload.decision, note=payload.note)
    return dispute_out(selectors.dispute_get(user=request.user, dispute_id=dispute_id))


# --- statistics ---------------------------------------------------------------------------------


def _stats(
    request: HttpRequest,
    group_by: str,
    period: str,
    date_from: date | None,
    date_to: date | None,
    department_id: int | None,
    hall_id: int | None,
    window_id: int | None,
    item_id: int | None,
    channel: str | None,
) -> stats.StatsTable:
    return stats.evaluation_stats(
        user=request.user,
        group_by=group_by,
        period=period,
        filters=stats.StatsFilters(
            date_from=date_from,
            date_to=date_to,
            department_id=department_id,
            hall_id=hall_id,
            window_id=window_id,
            item_id=item_id,
            channel=channel,
        ),
    )


@router.get("/stats", response=StatsOut, summary="好差评统计（满意率、整改率、回访率、10分制得分）")
def get_stats(
    request: HttpRequest,
    group_by: str = "department",
    period: str = "month",
    date_from: date | None = None,
    date_to: date | None = None,
    department_id: int | None = None,
    hall_id: int | None = None,
    window_id: int | None = None,
    item_id: int | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    table = _stats(
        request, group_by, period, date_from, date_to, department_id, hall_id, window_id, item_id, channel
    )
    return {**table.as_dict(), "definitions": dict(stats.DEFINITIONS)}


@router.get("/stats/export.xlsx", summary="导出好差评统计（Excel）")
def export_stats(
    request: HttpRequest,
    group_by: str = "department",
    period: str = "month",
    date_from: date | None = None,
    date_to: date | None = None,
    department_id: int | None = None,
    hall_id: int | None = None,
    window_id: int | None = None,
    item_id: int | None = None,
    channel: str | None = None,
) -> HttpResponse:
    table = _stats(
        request, group_by, period, date_from, date_to, department_id, hall_id, window_id, item_id, channel
    )
    response = HttpResponse(stats.stats_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''evaluation-stats.xlsx"
    return response
