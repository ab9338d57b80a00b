"""Evaluations from three channels:

- online (一事一评): by the applicant of a concluded case, once per case;
- on site (一次一评): recorded at the window (tablet or clerk) on the applicant's behalf, once per case;
  the evaluator is the case's applicant, the hall and window are the case's;
- QR: a hall's or window's static QR code, no case, anonymous allowed, rate-limited per client address.

A bad review (不满意 / 非常不满意) opens a rectification at once (`rectifications.open_rectification`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from shuzheng.cases import selectors as case_selectors
from shuzheng.cases.constants import CaseStatus
from shuzheng.core import audit
from shuzheng.core.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied, RateLimited
from shuzheng.core.field_errors import FieldErrors
from shuzheng.core.permissions import missing_permission
from shuzheng.core.validators import validate_mobile
from shuzheng.evaluation import selectors
from shuzheng.evaluation.constants import COMMENT_MAX_LENGTH, DIMENSIONS, EvaluationChannel
from shuzheng.evaluation.models import Evaluation
from shuzheng.evaluation.services.common import person, text
from shuzheng.evaluation.services.rectifications import open_rectification
from shuzheng.identity.actors import Actor, is_user

if TYPE_CHECKING:
    from shuzheng.cases.models import Case
    from shuzheng.orgs.models import Hall, Window

QR_RATE_WINDOW_SECONDS = 3600


def _is_level(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def clean_rating(
    *, channel: str, level: Any, dimensions: Any, comment: Any
) -> tuple[int, dict[str, int], str]:
    """Check a rating for `channel`: (level, dimensions, comment), or ValidationFailed naming each bad field.

    `level` is the overall verdict (5 非常满意 … 1 非常不满意) and is the same thing as the dimension
    ``overall`` (整体满意度): give either, or both with the same value. Other dimensions of the channel
    are optional, each 1–5; unknown dimensions are refused. The comment is optional, at most 500 chars.
    """
    errs = FieldErrors()
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
    comment_text = comment.strip() if isinstance(comment, str) else ""
    if comment is not None and not isinstance(comment, str):
        errs.add("comment", "评价内容应为文字")
    elif len(comment_text) > COMMENT_MAX_LENGTH:
        errs.add("comment", f"评价内容不能超过{COMMENT_MAX_LENGTH}个字（当前{len(comment_text)}个字）")
    errs.raise_if_any()
    final = int(level if level is not None else overall)  # type: ignore[arg-type]
    cleaned["overall"] = final
    return final, cleaned, comment_text


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


def _create_evaluation(*, actor: Actor, values: dict[str, Any], action: str) -> Evaluation:
    """Insert the row (the (case, channel) constraint is the last word on 一次一评/一事一评), open a
    rectification for a bad review, audit."""
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(evaluated_at=timezone.now(), **values)
    except IntegrityError as exc:
        raise Conflict("该办件已经评价过，同一渠道不能重复评价。", code="already_evaluated") from exc
    audit.record(actor=actor, action=action, subject=evaluation, after=evaluation_snapshot(evaluation))
    if evaluation.is_bad:
        open_rectification(actor=actor, evaluation=evaluation)
    return evaluation


def _check_case_evaluable(case: Case, channel: str) -> None:
    status = case_selectors.current_status(case.pk)
    if status is None:
        raise NotFound("办件不存在")
    if status != CaseStatus.CONCLUDED:
        raise Conflict("办件尚未办结，办结后才能评价。", code="case_not_concluded")
    if Evaluation.objects.filter(case_id=case.pk, channel=channel).exists():
        label = "线上（一事一评）" if channel == EvaluationChannel.ONLINE else "现场（一次一评）"
        raise Conflict(f"该办件已经{label}评价过，不能重复评价。", code="already_evaluated")


def _case_values(case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "department_id": case.department_id,
        "item_id": case.item_id,
        "hall_id": case.hall_id,
        "window_id": case.window_id,
    }


@transaction.atomic
def evaluation_submit_online(
    *,
    actor: Actor,
    case: Case,
    level: int | None = None,
    dimensions: Mapping[str, Any] | None = None,
    comment: str = "",
) -> Evaluation:
    """一事一评: the applicant rates a concluded case online (once). Somebody else's case is a 404."""
    if not is_user(actor):
        raise AuthenticationRequired("请先登录后再评价。")
    if case.applicant_id is None or case.applicant_id != actor.pk:
        raise NotFound("办件不存在")
    final, cleaned, comment_text = clean_rating(
        channel=EvaluationChannel.ONLINE, level=level, dimensions=dimensions, comment=comment
    )
    _check_case_evaluable(case, EvaluationChannel.ONLINE)
    return _create_evaluation(
        actor=actor,
        action="evaluation.evaluation.submit_online",
        values={
            **_case_values(case),
            "channel": EvaluationChannel.ONLINE,
            "level": final,
            "dimensions": cleaned,
            "comment": comment_text,
            "evaluator": actor,
            "real_name": True,
            "contact": actor.mobile or case.applicant_mobile or "",
        },
    )


@transaction.atomic
def evaluation_record_onsite(
    *,
    actor: Actor,
    case: Case,
    level: int | None = None,
    dimensions: Mapping[str, Any] | None = None,
    comment: str = "",
) -> Evaluation:
    """一次一评: the window's tablet or clerk records the applicant's on-site rating of a concluded case.

    The actor needs ``evaluation.add_evaluation`` over the case's department or division (else 404);
    the evaluator is the case's applicant (real name), the hall and window those of the case.
    """
    if not is_user(actor):
        raise AuthenticationRequired()
    if not actor.has_perm(selectors.ADD_EVALUATION):
        raise PermissionDenied(f"没有录入现场评价的权限{missing_permission(selectors.ADD_EVALUATION)}")
    selectors.case_for_onsite(user=actor, case_id=case.pk)  # scope: NotFound outside it
    final, cleaned, comment_text = clean_rating(
        channel=EvaluationChannel.ONSITE, level=level, dimensions=dimensions, comment=comment
    )
    _check_case_evaluable(case, EvaluationChannel.ONSITE)
    applicant = case.applicant
    return _create_evaluation(
        actor=actor,
        action="evaluation.evaluation.record_onsite",
        values={
            **_case_values(case),
            "channel": EvaluationChannel.ONSITE,
            "level": final,
            "dimensions": cleaned,
            "comment": comment_text,
            "evaluator": applicant,
            "real_name": True,
            "contact": case.applicant_mobile or getattr(applicant, "mobile", "") or "",
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
    actor: Actor,
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
    recorded by real name); an optional phone for the return visit is stored encrypted. The evaluated
    department is the window's department, else the hall's operating department. At most
    SHUZHENG_QR_EVALUATIONS_PER_HOUR accepted evaluations per client address and hour (429 beyond);
    ``check_rate=False`` is for trusted bulk loaders (the demo), never for requests."""
    if check_rate and qr_rate_limited(client_ip):
        raise RateLimited("评价过于频繁，请稍后再试。", code="evaluation_rate_limited")
    if not hall.is_active:
        raise NotFound("政务服务大厅不存在")
    if window is not None and (window.hall_id != hall.pk or not window.is_active):
        raise NotFound(f"{hall.name}没有该窗口")
    final, cleaned, comment_text = clean_rating(
        channel=EvaluationChannel.QR, level=level, dimensions=dimensions, comment=comment
    )
    contact = ""
    if text(phone):
        contact = validate_mobile(text(phone), field="phone")
    evaluator = person(actor)
    if evaluator is not None and not contact:
        contact = evaluator.mobile or ""
    department = window.department if window is not None and window.department_id else None
    if department is None:
        department = selectors.hall_operator_department(hall)
    if department is None:
        raise Conflict(f"{hall.name}尚未配置负责部门，暂不能评价。", code="hall_without_department")
    evaluation = _create_evaluation(
        actor=actor,
        action="evaluation.evaluation.submit_qr",
        values={
            "channel": EvaluationChannel.QR,
            "department": department,
            "hall": hall,
            "window": window,
            "level": final,
            "dimensions": cleaned,
            "comment": comment_text,
            "evaluator": evaluator,
            "real_name": evaluator is not None,
            "contact": contact,
        },
    )
    if check_rate:
        _count_qr(client_ip)  # counted at once: a rolled-back submission still counts against the spammer
    return evaluation
