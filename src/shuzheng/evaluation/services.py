"""Every write of 好差评: evaluations from three channels, rectification of bad reviews, appeals.

Evaluations
- online (一事一评): by the applicant of a concluded case, once per case;
- on site (一次一评): recorded at the window (tablet or clerk) on the applicant's behalf, once per case;
  the evaluator is the case's applicant, the hall and window are the case's;
- QR: a hall's or window's static QR code, no case, anonymous allowed, rate-limited per client address.

A bad review (不满意 / 非常不满意) opens a rectification at once: the department's handler owns it,
the due date is SHUZHENG_RECTIFICATION_DAYS working days away, real-name reviews (and anonymous
ones that left a phone number) must be called back before the result is accepted, and a supervisor
checks the result (pass: verified; fail: back to the handler with the reason). Status changes go
through `rectification_transition`, which checks `workflow.ALLOWED_TRANSITIONS` and writes one history
row and one audit event per change.

A department may appeal a review of its own; a reviewer upholds (the evaluation is voided with the
reason — never deleted — and leaves the statistics; its unfinished rectification is closed) or
dismisses it.

Every service validates before writing (Chinese messages naming the field; nothing written on
failure) and audits in the same transaction. Snapshots carry no clear-text personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from shuzheng.cases import models as case_models
from shuzheng.cases.constants import CaseStatus
from shuzheng.core import audit
from shuzheng.core.calendar import add_working_days
from shuzheng.core.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from shuzheng.core.notifications import notify
from shuzheng.core.permissions import missing_permission
from shuzheng.core.validators import validate_mobile
from shuzheng.evaluation import selectors, workflow
from shuzheng.evaluation.constants import (
    COMMENT_MAX_LENGTH,
    DIMENSIONS,
    REASON_MAX_LENGTH,
    REASON_MIN_LENGTH,
    AppealDecision,
    AppealStatus,
    EvaluationChannel,
    RectificationStatus,
)
from shuzheng.evaluation.models import Evaluation, EvaluationAppeal, Rectification, RectificationEvent
from shuzheng.orgs.models import Hall, Window

RESULT_MAX_LENGTH = 2000
QR_RATE_WINDOW_SECONDS = 3600


# --- helpers ------------------------------------------------------------------------------------


class _Errors:
    """Collects field errors so one response names every bad field."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_if_any(self, *, code: str | None = None) -> None:
        if self.items:
            detail = "；".join(e["message"] for e in self.items)
            raise ValidationFailed(detail, errors=list(self.items), code=code)


def _authenticated(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def _require_perm_in_scope(actor: Any, perm: str, department: Any, what: str) -> None:
    """PermissionDenied without the permission; NotFound when the department is outside its scope."""
    if not _authenticated(actor):
        raise AuthenticationRequired()
    if not actor.has_perm(perm):
        raise PermissionDenied(f"没有{what}的权限{missing_permission(perm)}")
    if not selectors.covers(actor, perm, department):
        raise NotFound()


def _is_level(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _reason(errs: _Errors, field: str, label: str, value: Any, *, max_length: int = REASON_MAX_LENGTH) -> str:
    text = _text(value)
    if not text:
        errs.add(field, f"{label}不能为空")
    elif len(text) < REASON_MIN_LENGTH:
        errs.add(field, f"{label}至少{REASON_MIN_LENGTH}个字，请写明具体情况")
    elif len(text) > max_length:
        errs.add(field, f"{label}不能超过{max_length}个字")
    return text


def clean_rating(
    *, channel: str, level: Any, dimensions: Any, comment: Any
) -> tuple[int, dict[str, int], str]:
    """Check a rating for `channel`: (level, dimensions, comment), or ValidationFailed naming each bad field.

    `level` is the overall verdict (5 非常满意 … 1 非常不满意) and is the same thing as the dimension
    ``overall`` (整体满意度): give either, or both with the same value. Other dimensions of the channel
    are optional, each 1–5; unknown dimensions are refused. The comment is optional, at most 500 chars.
    """
    errs = _Errors()
    allowed = DIMENSIONS[EvaluationChannel(channel)]
    cleaned: dict[str, int] = {}
    if dimensions is None:
        dimensions = {}
    if not isinstance(dimensions, Mapping):
        errs.add("dimensions", "分项评价应为“指标: 分值”的对象")
        dimensions = {}
    unknown = sorted(str(key) for key in dimensions if key not in allowed)
    if unknown:
        choices = "、".join(f"{label}（{key}）" for key, label in allowed.items())
        errs.add("dimensions", f"未知的评价指标：{'、'.join(unknown)}；本渠道的指标为 {choices}")
    for key, label in allowed.items():
        if key not in dimensions:
            continue
        value = dimensions[key]
        if not _is_level(value):
            errs.add(f"dimensions.{key}", f"{label}应为 1 到 5 之间的整数（5 为非常满意）")
        else:
            cleaned[key] = int(value)
    if level is not None and not _is_level(level):
        errs.add("level", "评价等级应为 1（非常不满意）到 5（非常满意）之间的整数")
        level = None
    overall = cleaned.get("overall")
    reported = {e["field"] for e in errs.items}
    if level is None and overall is None and not reported & {"level", "dimensions.overall"}:
        errs.add("level", "请选择评价等级（整体满意度）")
    if level is not None and overall is not None and level != overall:
        errs.add("dimensions.overall", "整体满意度应与评价等级一致（整体满意度即评价等级）")
    text = comment.strip() if isinstance(comment, str) else ""
    if comment is not None and not isinstance(comment, str):
        errs.add("comment", "评价内容应为文字")
    elif len(text) > COMMENT_MAX_LENGTH:
        errs.add("comment", f"评价内容不能超过{COMMENT_MAX_LENGTH}个字（当前{len(text)}个字）")
    errs.raise_if_any()
    final = int(level if level is not None else overall)  # type: ignore[arg-type]
    cleaned["overall"] = final
    return final, cleaned, text


def evaluation_snapshot(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "case_id": evaluation.case_id,
        "channel": evaluation.channel,
        "department_id": evaluation.department_id,
        "item_id": evaluation.item_id,
        "hall_id": evaluation.hall_id,
        "window_id": evaluation.window_id,
        "level": evaluation.level,
        "dimensions": dict(evaluation.dimensions),
        "comment_length": len(evaluation.comment),
        "evaluator_id": evaluation.evaluator_id,
        "real_name": evaluation.real_name,
        "has_contact": bool(evaluation.contact),
        "voided": evaluation.voided,
        "void_reason": evaluation.void_reason,
    }


def rectification_snapshot(rectification: Rectification) -> dict[str, Any]:
    return {
        "evaluation_id": rectification.evaluation_id,
        "department_id": rectification.department_id,
        "owner_id": rectification.owner_id,
        "status": rectification.status,
        "due_date": rectification.due_date.isoformat(),
        "callback_required": rectification.callback_required,
        "called_back": rectification.called_back_at is not None,
        "result_length": len(rectification.result),
        "checked_by_id": rectification.checked_by_id,
        "check_note": rectification.check_note,
    }


def appeal_snapshot(appeal: EvaluationAppeal) -> dict[str, Any]:
    return {
        "evaluation_id": appeal.evaluation_id,
        "status": appeal.status,
        "reason": appeal.reason,
        "filed_by_id": appeal.filed_by_id,
        "reviewed_by_id": appeal.reviewed_by_id,
        "review_note": appeal.review_note,
    }


def _link(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # pragma: no cover - the evaluation URLs are always installed
        return ""


def _create_evaluation(*, actor: Any, values: dict[str, Any], action: str) -> Evaluation:
    """Insert the row (the (case, channel) constraint is the last word on 一次一评/一事一评), open a
    rectification for a bad review, audit."""
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(evaluated_at=timezone.now(), **values)
    except IntegrityError as exc:
        raise Conflict("该办件已经评价过，同一渠道不能重复评价。", code="already_evaluated") from exc
    audit.record(actor=actor, action=action, subject=evaluation, after=evaluation_snapshot(evaluation))
    if evaluation.is_bad:
        _open_rectification(actor=actor, evaluation=evaluation)
    return evaluation


def _check_case_evaluable(case: case_models.Case, channel: str) -> None:
    fresh = case_models.Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
    if fresh is None:
        raise NotFound("办件不存在")
    if fresh != CaseStatus.CONCLUDED:
        raise Conflict("办件尚未办结，办结后才能评价。", code="case_not_concluded")
    if Evaluation.objects.filter(case_id=case.pk, channel=channel).exists():
        label = "线上（一事一评）" if channel == EvaluationChannel.ONLINE else "现场（一次一评）"
        raise Conflict(f"该办件已经{label}评价过，不能重复评价。", code="already_evaluated")


# --- evaluations --------------------------------------------------------------------------------


@transaction.atomic
def evaluation_submit_online(
    *,
    actor: Any,
    case: case_models.Case,
    level: int | None = None,
    dimensions: Mapping[str, Any] | None = None,
    comment: str = "",
) -> Evaluation:
    """一事一评: the applicant rates a concluded case online (once). Somebody else's case is a 404."""
    if not _authenticated(actor):
        raise AuthenticationRequired("请先登录后再评价。")
    if case.applicant_id is None or case.applicant_id != actor.pk:
        raise NotFound("办件不存在")
    final, cleaned, text = clean_rating(
        channel=EvaluationChannel.ONLINE, level=level, dimensions=dimensions, comment=comment
    )
    _check_case_evaluable(case, EvaluationChannel.ONLINE)
    contact = getattr(actor, "mobile", "") or case.applicant_mobile or ""
    return _create_evaluation(
        actor=actor,
        action="evaluation.evaluation.submit_online",
        values={
            "case": case,
            "channel": EvaluationChannel.ONLINE,
            "department_id": case.department_id,
            "item_id": case.item_id,
            "hall_id": case.hall_id,
            "window_id": case.window_id,
            "level": final,
            "dimensions": cleaned,
            "comment": text,
            "evaluator": actor,
            "real_name": True,
            "contact": contact,
        },
    )


@transaction.atomic
def evaluation_record_onsite(
    *,
    actor: Any,
    case: case_models.Case,
    level: int | None = None,
    dimensions: Mapping[str, Any] | None = None,
    comment: str = "",
) -> Evaluation:
    """一次一评: the window's tablet or clerk records the applicant's on-site rating of a concluded case.

    The actor needs ``evaluation.add_evaluation`` over the case's department or division (else 404);
    the evaluator is the case's applicant (real name), the hall and window those of the case.
    """
    if not _authenticated(actor):
        raise AuthenticationRequired()
    if not actor.has_perm(selectors.ADD_EVALUATION):
        raise PermissionDenied(f"没有录入现场评价的权限{missing_permission(selectors.ADD_EVALUATION)}")
    selectors.case_for_onsite(user=actor, case_id=case.pk)  # scope: NotFound outside it
    final, cleaned, text = clean_rating(
        channel=EvaluationChannel.ONSITE, level=level, dimensions=dimensions, comment=comment
    )
    _check_case_evaluable(case, EvaluationChannel.ONSITE)
    applicant = case.applicant
    contact = case.applicant_mobile or getattr(applicant, "mobile", "") or ""
    return _create_evaluation(
        actor=actor,
        action="evaluation.evaluation.record_onsite",
        values={
            "case": case,
            "channel": EvaluationChannel.ONSITE,
            "department_id": case.department_id,
            "item_id": case.item_id,
            "hall_id": case.hall_id,
            "window_id": case.window_id,
            "level": final,
            "dimensions": cleaned,
            "comment": text,
            "evaluator": applicant,
            "real_name": True,
            "contact": contact,
        },
    )


def _qr_rate_key(client_ip: str | None) -> str:
    return f"evaluation:qr:{client_ip or 'unknown'}"


def qr_rate_limited(client_ip: str | None) -> bool:
    limit = int(getattr(settings, "SHUZHENG_QR_EVALUATIONS_PER_HOUR", 10))
    return limit >= 0 and int(cache.get(_qr_rate_key(client_ip), 0)) >= limit


def _count_qr(client_ip: str | None) -> None:
    key = _qr_rate_key(client_ip)
    if not cache.add(key, 1, timeout=QR_RATE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, timeout=QR_RATE_WINDOW_SECONDS)


@transaction.atomic
def evaluation_submit_qr(
    *,
    actor: Any,
    hall: Hall,
    window: Window | None = None,
    level: int | None = None,
    dimensions: Mapping[str, Any] | None = None,
    comment: str = "",
    phone: str = "",
    client_ip: str | None = None,
    check_rate: bool = True,
) -> Evaluation:
    """A hall's or window's QR evaluation, without a case. Anonymous is allowed (a logged-in person is
    recorded by real name); an optional phone for the call-back is stored encrypted. The evaluated
    department is the window's department, else the hall's operating department. At most
    SHUZHENG_QR_EVALUATIONS_PER_HOUR accepted evaluations per client address and hour (429 beyond);
    ``check_rate=False`` is for trusted bulk loaders (the demo), never for requests."""
    if check_rate and qr_rate_limited(client_ip):
        raise RateLimited("评价过于频繁，请稍后再试。", code="evaluation_rate_limited")
    if not hall.is_active:
        raise NotFound("政务服务大厅不存在")
    if window is not None and (window.hall_id != hall.pk or not window.is_active):
        raise NotFound(f"{hall.name}没有该窗口")
    final, cleaned, text = clean_rating(
        channel=EvaluationChannel.QR, level=level, dimensions=dimensions, comment=comment
    )
    contact = ""
    if _text(phone):
        contact = validate_mobile(_text(phone), field="phone")
    real_name = _authenticated(actor)
    if real_name and not contact:
        contact = getattr(actor, "mobile", "") or ""
    department = window.department if window is not None and window.department_id else None
    if department is None:
        department = selectors.hall_operator_department(hall)
    if department is None:
        raise Conflict(f"{hall.name}尚未配置负责部门，暂不能评价。", code="hall_without_department")
    evaluation = _create_evaluation(
        actor=actor if real_name else None,
        action="evaluation.evaluation.submit_qr",
        values={
            "channel": EvaluationChannel.QR,
            "department": department,
            "hall": hall,
            "window": window,
            "level": final,
            "dimensions": cleaned,
            "comment": text,
            "evaluator": actor if real_name else None,
            "real_name": real_name,
            "contact": contact,
        },
    )
    if check_rate:
        _count_qr(client_ip)  # counted at once: a rolled-back submission still counts against the spammer
    return evaluation


# --- rectifications -----------------------------------------------------------------------------


def _notify_owner(rectification: Rectification, *, title: str, body: str, event: str) -> None:
    if rectification.owner_id is None:
        return
    notify(
        recipient=rectification.owner,
        kind="evaluation.rectification",
        title=title,
        body=body,
        link=_link("evaluation:rectification_detail", rectification.pk),
        dedupe_key=f"evaluation.rectification:{rectification.pk}:{event}:{rectification.owner_id}",
    )


def _open_rectification(*, actor: Any, evaluation: Evaluation) -> Rectification:
    department = evaluation.department
    days = int(getattr(settings, "SHUZHENG_RECTIFICATION_DAYS", 15))
    due = add_working_days(timezone.localdate(), days)
    owner = selectors.pick_rectification_owner(department=department)
    rectification = Rectification.objects.create(
        evaluation=evaluation,
        department=department,
        owner=owner,
        status=RectificationStatus.OPEN,
        due_date=due,
        callback_required=evaluation.real_name or bool(evaluation.contact),
    )
    RectificationEvent.objects.create(
        rectification=rectification,
        from_status="",
        to_status=RectificationStatus.OPEN,
        action="open",
        actor=actor if _authenticated(actor) else None,
        occurred_at=timezone.now(),
        note=f"收到“{evaluation.get_level_display()}”评价，整改期限 {due:%Y-%m-%d}",
    )
    audit.record(
        actor=actor if _authenticated(actor) else None,
        action="evaluation.rectification.open",
        subject=rectification,
        after=rectification_snapshot(rectification),
    )
    callback = "，并先回访评价人" if rectification.callback_required else ""
    _notify_owner(
        rectification,
        title=f"差评整改：{department.name}收到一条“{evaluation.get_level_display()}”评价",
        body=f"请在 {due:%Y年%m月%d日} 前完成整改{callback}。",
        event="assigned",
    )
    return rectification


@transaction.atomic
def rectification_transition(
    *,
    actor: Any,
    rectification: Rectification,
    to_status: str,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Rectification:
    """The only writer of a rectification's status: locks the row, checks the transition table, applies
    `changes`, writes one history row and one audit event. Callers check permissions and inputs."""
    locked = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if not workflow.can_transition(locked.status, to_status):
        current = RectificationStatus(locked.status).label
        target = RectificationStatus(to_status).label
        raise Conflict(
            f"当前状态为“{current}”，不能改为“{target}”。请刷新后重试。", code="transition_not_allowed"
        )
    before = rectification_snapshot(locked)
    from_status = locked.status
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.status = to_status
    locked.save()
    action = workflow.ACTIONS.get(to_status, to_status)
    RectificationEvent.objects.create(
        rectification=locked,
        from_status=from_status,
        to_status=to_status,
        action=action,
        actor=actor if _authenticated(actor) else None,
        occurred_at=timezone.now(),
        note=note,
    )
    audit.record(
        actor=actor,
        action=f"evaluation.rectification.{action}",
        subject=locked,
        before=before,
        after=rectification_snapshot(locked),
    )
    return locked


@transaction.atomic
def rectification_record_callback(*, actor: Any, rectification: Rectification, note: str) -> Rectification:
    """回访: the handler records the call-back to the evaluator (what was said, what was agreed)."""
    _require_perm_in_scope(actor, selectors.CHANGE_RECTIFICATION, rectification.department, "处理差评整改")
    errs = _Errors()
    text = _reason(errs, "note", "回访记录", note)
    errs.raise_if_any()
    return rectification_transition(
        actor=actor,
        rectification=rectification,
        to_status=RectificationStatus.CALLED_BACK,
        note=text,
        changes={"called_back_at": timezone.now(), "callback_note": text},
    )


@transaction.atomic
def rectification_submit_result(*, actor: Any, rectification: Rectification, result: str) -> Rectification:
    """整改结果: what was changed. A rectification that needs a call-back must have one recorded first."""
    _require_perm_in_scope(actor, selectors.CHANGE_RECTIFICATION, rectification.department, "处理差评整改")
    errs = _Errors()
    text = _reason(errs, "result", "整改结果", result, max_length=RESULT_MAX_LENGTH)
    errs.raise_if_any()
    fresh = Rectification.objects.get(pk=rectification.pk)
    if fresh.callback_required and fresh.called_back_at is None:
        raise Conflict("实名差评须先回访评价人：请先记录回访，再提交整改结果。", code="callback_required")
    return rectification_transition(
        actor=actor,
        rectification=rectification,
        to_status=RectificationStatus.RECTIFIED,
        note=text,
        changes={"result": text, "rectified_at": timezone.now()},
    )


@transaction.atomic
def rectification_check(
    *, actor: Any, rectification: Rectification, passed: bool, note: str = ""
) -> Rectification:
    """核查 by the supervising department: pass → verified; fail → back to the handler with the reason."""
    _require_perm_in_scope(actor, selectors.CHECK_RECTIFICATION, rectification.department, "核查差评整改")
    if rectification.owner_id is not None and rectification.owner_id == actor.pk:
        raise PermissionDenied("不能核查本人负责的整改。")
    errs = _Errors()
    if not isinstance(passed, bool):
        errs.add("passed", "请选择核查结论（通过或不通过）")
    text = _text(note)
    if passed is False:
        text = _reason(errs, "note", "核查不通过的理由", note)
    elif len(text) > REASON_MAX_LENGTH:
        errs.add("note", f"核查意见不能超过{REASON_MAX_LENGTH}个字")
    errs.raise_if_any()
    now = timezone.now()
    changes = {"checked_by": actor, "checked_at": now, "check_note": text}
    if passed:
        return rectification_transition(
            actor=actor,
            rectification=rectification,
            to_status=RectificationStatus.VERIFIED,
            note=text,
            changes=changes,
        )
    updated = rectification_transition(
        actor=actor,
        rectification=rectification,
        to_status=RectificationStatus.REJECTED,
        note=text,
        changes=changes,
    )
    _notify_owner(
        updated,
        title="差评整改核查未通过，请重新整改",
        body=f"核查意见：{text}",
        event=f"rejected-{updated.history.count()}",
    )
    return updated


@transaction.atomic
def rectification_assign(*, actor: Any, rectification: Rectification, owner: Any) -> Rectification:
    """Give the rectification to another handler of its department (handlers or supervisors may)."""
    if not _authenticated(actor):
        raise AuthenticationRequired()
    department = rectification.department
    if not (
        selectors.covers(actor, selectors.CHANGE_RECTIFICATION, department)
        or selectors.covers(actor, selectors.CHECK_RECTIFICATION, department)
    ):
        if actor.has_perm(selectors.CHANGE_RECTIFICATION) or actor.has_perm(selectors.CHECK_RECTIFICATION):
            raise NotFound()
        raise PermissionDenied(f"没有分派差评整改的权限{missing_permission(selectors.CHANGE_RECTIFICATION)}")
    handlers = selectors.rectification_handlers(department=department)
    if owner is None or not handlers.filter(pk=owner.pk).exists():
        raise ValidationFailed.for_field("owner_id", f"该用户不是{department.name}的差评整改处理人员")
    locked = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if locked.status not in workflow.ALLOWED_TRANSITIONS or not workflow.ALLOWED_TRANSITIONS[locked.status]:
        raise Conflict("整改已办结，不能再分派。", code="rectification_closed")
    if locked.owner_id == owner.pk:
        return locked
    before = rectification_snapshot(locked)
    locked.owner = owner
    locked.save(update_fields=["owner", "updated_at"])
    audit.record(
        actor=actor,
        action="evaluation.rectification.assign",
        subject=locked,
        before=before,
        after=rectification_snapshot(locked),
    )
    _notify_owner(
        locked,
        title=f"差评整改分派给您：{department.name}",
        body=f"请在 {locked.due_date:%Y年%m月%d日} 前完成整改。",
        event="assigned",
    )
    return locked


# --- appeals ------------------------------------------------------------------------------------


@transaction.atomic
def evaluation_appeal_file(*, actor: Any, evaluation: Evaluation, reason: str) -> EvaluationAppeal:
    """申诉: the evaluated department contests a review it thinks malicious or mistaken (one pending
    appeal per evaluation; only its own department's evaluations)."""
    _require_perm_in_scope(actor, selectors.ADD_APPEAL, evaluation.department, "提出评价申诉")
    errs = _Errors()
    text = _reason(errs, "reason", "申诉理由", reason)
    errs.raise_if_any()
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.voided:
        raise Conflict("该评价已作废，无需申诉。", code="evaluation_voided")
    if EvaluationAppeal.objects.filter(evaluation=locked, status=AppealStatus.PENDING).exists():
        raise Conflict("该评价已有待复核的申诉，请等待复核结果。", code="appeal_pending")
    try:
        with transaction.atomic():
            appeal = EvaluationAppeal.objects.create(evaluation=locked, reason=text, filed_by=actor)
    except IntegrityError as exc:
        raise Conflict("该评价已有待复核的申诉，请等待复核结果。", code="appeal_pending") from exc
    audit.record(actor=actor, action="evaluation.appeal.file", subject=appeal, after=appeal_snapshot(appeal))
    return appeal


@transaction.atomic
def evaluation_void(*, actor: Any, evaluation: Evaluation, reason: str) -> Evaluation:
    """作废 (after an upheld appeal): the row stays, flagged with the reason, and leaves the statistics;
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
    closable = rectification is not None and workflow.can_transition(
        rectification.status, RectificationStatus.CLOSED
    )
    if rectification is not None and closable:
        rectification_transition(
            actor=actor,
            rectification=rectification,
            to_status=RectificationStatus.CLOSED,
            note=f"评价已作废：{reason}",
        )
    return locked


@transaction.atomic
def evaluation_appeal_review(
    *, actor: Any, appeal: EvaluationAppeal, decision: str, note: str
) -> EvaluationAppeal:
    """复核: uphold (the evaluation is voided with `note` as the reason) or dismiss; one decision only;
    nobody reviews their own appeal."""
    evaluation = Evaluation.objects.select_related("department__division").get(pk=appeal.evaluation_id)
    _require_perm_in_scope(actor, selectors.REVIEW_APPEAL, evaluation.department, "复核评价申诉")
    errs = _Errors()
    if decision not in AppealDecision.values:
        errs.add("decision", "复核结论只能是“uphold”（申诉成立，作废评价）或“dismiss”（申诉不成立）")
    text = _reason(errs, "note", "复核意见", note)
    errs.raise_if_any()
    locked = EvaluationAppeal.objects.select_for_update().get(pk=appeal.pk)
    if locked.status != AppealStatus.PENDING:
        raise Conflict(f"该申诉已复核（{AppealStatus(locked.status).label}）。", code="appeal_reviewed")
    if locked.filed_by_id == actor.pk:
        raise PermissionDenied("不能复核本人提交的申诉。")
    before = appeal_snapshot(locked)
    locked.status = AppealStatus.UPHELD if decision == AppealDecision.UPHOLD else AppealStatus.DISMISSED
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.review_note = text
    locked.save()
    audit.record(
        actor=actor,
        action="evaluation.appeal.review",
        subject=locked,
        before=before,
        after=appeal_snapshot(locked),
    )
    if locked.status == AppealStatus.UPHELD:
        evaluation_void(actor=actor, evaluation=evaluation, reason=text)
    notify(
        recipient=locked.filed_by,
        kind="evaluation.appeal",
        title=f"评价申诉复核结果：{AppealStatus(locked.status).label}",
        body=f"复核意见：{text}",
        link=_link("evaluation:evaluation_detail", evaluation.pk),
        dedupe_key=f"evaluation.appeal:{locked.pk}:reviewed",
    )
    return locked
