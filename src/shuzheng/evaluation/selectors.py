"""Reads of 好差评, data-scope aware.

Who may read what:
- an applicant: their own cases (another person's case is a 404) and their own evaluations;
- staff: evaluations of the departments inside the scope of a role holding ``evaluation.view_evaluation``;
  rectifications inside the scope of ``view_rectification``, ``change_rectification`` or
  ``check_rectification``; disputes inside the scope of ``view_evaluationappeal``,
  ``add_evaluationappeal`` or ``review_evaluationappeal`` (all by the evaluated department);
- anyone: an active hall and its windows for the QR evaluation page.

Overdue (a rectification still open after its due date) is derived here from ``due_date`` and
``status``; nothing stores it. Evaluators are shown masked unless the reader holds
``identity.view_clear_personal_data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Count, Q, QuerySet, Value
from django.db.models import Case as SqlCase
from django.db.models import When as SqlWhen
from django.utils import timezone

from shuzheng.cases import selectors as case_selectors
from shuzheng.cases.constants import CaseStatus
from shuzheng.core.calendar import OFFICE_TZ
from shuzheng.core.errors import AuthenticationRequired, NotFound, PermissionDenied
from shuzheng.core.masking import mask_mobile, mask_name
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.permissions import missing_permission
from shuzheng.evaluation.constants import (
    BAD_LEVELS,
    OPEN_RECTIFICATION_STATUSES,
    DisputeStatus,
    EvaluationChannel,
    RectificationStatus,
)
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification
from shuzheng.identity import selectors as identity_selectors
from shuzheng.identity.scopes import data_scope_for
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.cases.models import Case
    from shuzheng.identity.models import User
    from shuzheng.orgs.models import Department, Division, Hall, Window

VIEW_EVALUATION = "evaluation.view_evaluation"
ADD_EVALUATION = "evaluation.add_evaluation"
VIEW_RECTIFICATION = "evaluation.view_rectification"
CHANGE_RECTIFICATION = "evaluation.change_rectification"
CHECK_RECTIFICATION = "evaluation.check_rectification"
VIEW_DISPUTE = "evaluation.view_evaluationappeal"
ADD_DISPUTE = "evaluation.add_evaluationappeal"
REVIEW_DISPUTE = "evaluation.review_evaluationappeal"

RECTIFICATION_READ_PERMS = (VIEW_RECTIFICATION, CHANGE_RECTIFICATION, CHECK_RECTIFICATION)
DISPUTE_READ_PERMS = (VIEW_DISPUTE, ADD_DISPUTE, REVIEW_DISPUTE)

EVALUATION_ORDER = ("-evaluated_at", "-id")
RECTIFICATION_ORDER = ("due_date", "id")
DISPUTE_ORDER = ("-created_at", "-id")
CASE_ORDER = ("-id",)

#: Rectification list filters ("state"): which statuses each one selects.
RECTIFICATION_STATES: dict[str, tuple[str, ...]] = {
    "open": tuple(OPEN_RECTIFICATION_STATUSES),
    "awaiting_check": (RectificationStatus.RECTIFIED,),
    "done": (RectificationStatus.VERIFIED, RectificationStatus.CLOSED),
}
RECTIFICATION_STATE_LABELS = {"open": "待整改", "awaiting_check": "待核查", "done": "已办结"}


# --- helpers ------------------------------------------------------------------------------------


def _require_login(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise AuthenticationRequired()


def _scope_q(user: Any, perms: tuple[str, ...], department: str) -> Q:
    """Rows whose department (at the path `department`) lies in the scope of any of `perms` the user holds.

    PermissionDenied when the user holds none of them.
    """
    _require_login(user)
    held = [perm for perm in perms if user.has_perm(perm)]
    if not held:
        raise PermissionDenied(f"没有查看好差评数据的权限{missing_permission(*perms)}")
    condition = Q(pk__in=[])
    for perm in held:
        scope = data_scope_for(user, perm)
        if scope.is_all:
            return Q()
        condition |= scope.q(department=department)
    return condition


def covers(user: Any, perm: str, department: Department) -> bool:
    """Whether the user holds `perm` through a role whose scope covers `department`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(perm):
        return False
    return data_scope_for(user, perm).covers_department(department)


def can_see_clear_personal_data(user: Any) -> bool:
    return orgs_selectors.can_see_clear_personal_data(user)


def day_bounds(date_from: date | None, date_to: date | None) -> Q:
    """evaluated_at within [date_from 00:00, date_to 24:00) in Asia/Shanghai; either end may be open."""
    condition = Q()
    if date_from is not None:
        condition &= Q(evaluated_at__gte=datetime.combine(date_from, time.min, tzinfo=OFFICE_TZ))
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=OFFICE_TZ)
        condition &= Q(evaluated_at__lt=end)
    return condition


# --- cases (read only; the cases context owns them) ---------------------------------------------


def case_for_applicant(*, user: Any, case_id: int) -> Case:
    """The logged-in applicant's own case; anybody else's case is a 404."""
    _require_login(user)
    case = case_selectors.applicant_case(applicant_id=user.pk, case_id=case_id)
    if case is None:
        raise NotFound("办件不存在")
    return case


def case_for_onsite(*, user: Any, case_id: int) -> Case:
    """A case the clerk may record an on-site evaluation for: ``evaluation.add_evaluation`` over the case's
    department or division; outside that scope a 404."""
    _require_login(user)
    if not user.has_perm(ADD_EVALUATION):
        raise PermissionDenied(f"没有录入现场评价的权限{missing_permission(ADD_EVALUATION)}")
    found = case_selectors.case_in_scope_of(scope=data_scope_for(user, ADD_EVALUATION), case_id=case_id)
    if found is None:
        raise NotFound("办件不存在")
    return found


def case_for_onsite_by_number(*, user: Any, number: str) -> Case:
    """As `case_for_onsite`, looked up by the case number the clerk reads from the acceptance slip."""
    _require_login(user)
    if not user.has_perm(ADD_EVALUATION):
        raise PermissionDenied(f"没有录入现场评价的权限{missing_permission(ADD_EVALUATION)}")
    found = case_selectors.case_id_by_number(number)
    if found is None:
        raise NotFound("办件不存在")
    return case_for_onsite(user=user, case_id=found)


def case_is_concluded(case: Case) -> bool:
    return str(case.status) == CaseStatus.CONCLUDED


def evaluation_for_case(*, case: Case | int, channel: str) -> Evaluation | None:
    case_id: int = case if isinstance(case, int) else case.pk
    return Evaluation.objects.filter(case_id=case_id, channel=channel).first()


def cases_awaiting_evaluation(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Case]:
    """The applicant's concluded cases not yet evaluated online (newest first)."""
    _require_login(user)
    evaluated = Evaluation.objects.filter(channel=EvaluationChannel.ONLINE, case__applicant_id=user.pk)
    qs = case_selectors.concluded_cases_of_applicant(user.pk).exclude(pk__in=evaluated.values("case_id"))
    return keyset_page(qs, order=CASE_ORDER, cursor=cursor, limit=limit)


def my_evaluations(*, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Evaluation]:
    """Evaluations the user made (or that were recorded on site on their behalf), newest first."""
    _require_login(user)
    qs = Evaluation.objects.filter(evaluator_id=user.pk).select_related(
        "case", "case__version", "department", "hall", "window"
    )
    return keyset_page(qs, order=EVALUATION_ORDER, cursor=cursor, limit=limit)


# --- halls (public QR page) ---------------------------------------------------------------------


def hall_for_qr(*, code: str, window_number: str | None = None) -> tuple[Hall, Window | None]:
    """An active hall and, when a number is given, its active window; NotFound otherwise."""
    hall = orgs_selectors.hall_get(code=code)
    if not hall.is_active:
        raise NotFound("政务服务大厅不存在")
    window = None
    number = (window_number or "").strip()
    if number:
        window = orgs_selectors.active_window_by_number(hall=hall, number=number)
        if window is None:
            raise NotFound(f"{hall.name}没有{number}号窗口")
    return hall, window


def hall_operator_department(hall: Hall) -> Department | None:
    """The department answerable for a hall's service (and its comprehensive windows).

    Rule: among active departments located in the hall's division that have no parent department in
    that division (the top of the division's tree), the one with the smallest code; when the division
    has none (a village station), the same rule one division up. In Enping's data that is the
    政务服务数据管理局 (EP001) for the city centre and each town government for its town and villages.
    """
    division: Division | None = hall.division
    seen = 0
    while division is not None and seen < 8:
        found = orgs_selectors.top_active_department(division)
        if found is not None:
            return found
        division = division.parent
        seen += 1
    return None


# --- evaluations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationFilters:
    channel: str | None = None
    level: int | None = None
    bad_only: bool = False
    voided: bool | None = None  # None: both
    department_id: int | None = None
    hall_id: int | None = None
    window_id: int | None = None
    item_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def evaluation_queryset(*, user: Any, filters: EvaluationFilters | None = None) -> QuerySet[Evaluation]:
    filters = filters or EvaluationFilters()
    qs = Evaluation.objects.filter(_scope_q(user, (VIEW_EVALUATION,), "department"))
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    if filters.bad_only:
        qs = qs.filter(level__in=BAD_LEVELS)
    if filters.voided is not None:
        qs = qs.filter(voided=filters.voided)
    for name in ("department_id", "hall_id", "window_id", "item_id"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    return qs.filter(day_bounds(filters.date_from, filters.date_to))


def evaluation_list(
    *,
    user: Any,
    filters: EvaluationFilters | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Evaluation]:
    """Evaluations of the departments in the user's scope, newest first (voided ones included, flagged)."""
    qs = evaluation_queryset(user=user, filters=filters).select_related(
        "department", "hall", "window", "evaluator", "case__version", "item__live_version", "rectification"
    )
    return keyset_page(qs, order=EVALUATION_ORDER, cursor=cursor, limit=limit)


def evaluation_get(*, user: Any, evaluation_id: int) -> Evaluation:
    evaluation = (
        evaluation_queryset(user=user)
        .select_related(
            "department__division",
            "hall",
            "window",
            "evaluator",
            "case__version",
            "item__live_version",
            "rectification__owner",
        )
        .filter(pk=evaluation_id)
        .first()
    )
    if evaluation is None:
        raise NotFound("评价不存在")
    return evaluation


def evaluator_name(evaluation: Evaluation, *, clear: bool) -> str:
    """Who evaluated, masked (张*丰) unless `clear`; "匿名" for an anonymous QR evaluation."""
    name = ""
    if evaluation.evaluator_id and evaluation.evaluator is not None:
        name = evaluation.evaluator.full_name
    elif evaluation.case_id and evaluation.case is not None:
        name = evaluation.case.applicant_name
    if not name:
        return "匿名"
    return name if clear else mask_name(name)


def evaluator_contact(evaluation: Evaluation, *, clear: bool) -> str:
    contact = evaluation.contact or ""
    if not contact:
        return ""
    return contact if clear else mask_mobile(contact)


def item_name(evaluation: Evaluation) -> str:
    if evaluation.case_id and evaluation.case is not None and evaluation.case.version_id:
        return str(evaluation.case.version.name)
    item = evaluation.item
    if item is None:
        return ""
    live = item.live_version
    return str(live.name) if live is not None else str(item.code)


def pending_dispute(evaluation: Evaluation) -> RatingDispute | None:
    return evaluation.disputes.filter(status=DisputeStatus.PENDING).first()


def evaluation_disputes(evaluation: Evaluation) -> list[RatingDispute]:
    return list(evaluation.disputes.select_related("filed_by", "reviewed_by").order_by("-created_at", "-id"))


# --- rectifications -----------------------------------------------------------------------------


def overdue_expression(today: date | None = None) -> SqlCase:
    today = today or timezone.localdate()
    return SqlCase(
        SqlWhen(status__in=OPEN_RECTIFICATION_STATUSES, due_date__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def is_overdue(rectification: Rectification, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return rectification.status in OPEN_RECTIFICATION_STATUSES and rectification.due_date < today


@dataclass(frozen=True)
class RectificationFilters:
    state: str | None = None  # "open", "awaiting_check", "done"
    status: str | None = None
    overdue: bool | None = None
    unassigned: bool = False
    mine: bool = False
    department_id: int | None = None


def rectification_queryset(
    *, user: Any, filters: RectificationFilters | None = None
) -> QuerySet[Rectification]:
    filters = filters or RectificationFilters()
    today = timezone.localdate()
    qs = Rectification.objects.filter(_scope_q(user, RECTIFICATION_READ_PERMS, "department")).annotate(
        overdue=overdue_expression(today)
    )
    if filters.state:
        qs = qs.filter(status__in=RECTIFICATION_STATES.get(filters.state, ()))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue is True:
        qs = qs.filter(status__in=OPEN_RECTIFICATION_STATUSES, due_date__lt=today)
    elif filters.overdue is False:
        qs = qs.exclude(status__in=OPEN_RECTIFICATION_STATUSES, due_date__lt=today)
    if filters.unassigned:
        qs = qs.filter(owner__isnull=True)
    if filters.mine:
        qs = qs.filter(owner_id=user.pk)
    if filters.department_id is not None:
        qs = qs.filter(department_id=filters.department_id)
    return qs


def rectification_list(
    *,
    user: Any,
    filters: RectificationFilters | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Rectification]:
    """Rectifications in the user's scope, earliest due date first; each row carries ``overdue``."""
    qs = rectification_queryset(user=user, filters=filters).select_related(
        "department", "owner", "evaluation", "evaluation__hall", "evaluation__window"
    )
    return keyset_page(qs, order=RECTIFICATION_ORDER, cursor=cursor, limit=limit)


def rectification_get(*, user: Any, rectification_id: int) -> Rectification:
    rectification = (
        rectification_queryset(user=user)
        .select_related(
            "department__division",
            "owner",
            "checked_by",
            "evaluation__department",
            "evaluation__hall",
            "evaluation__window",
            "evaluation__evaluator",
            "evaluation__case__version",
            "evaluation__item__live_version",
        )
        .filter(pk=rectification_id)
        .first()
    )
    if rectification is None:
        raise NotFound("差评整改不存在")
    return rectification


def rectification_history(rectification: Rectification) -> list[Any]:
    return list(rectification.history.select_related("actor").order_by("occurred_at", "id"))


def rectification_handlers(*, department: Department) -> QuerySet[User]:
    """Active staff of `department` holding ``evaluation.change_rectification`` through a role (superusers,
    who hold every permission, are platform administrators and are not handed rectifications)."""
    return identity_selectors.staff_holding(permission=CHANGE_RECTIFICATION, department_id=department.pk)


def pick_rectification_owner(*, department: Department) -> User | None:
    """The department's rectification handler with the fewest open rectifications (then lowest id); None
    when the department has no handler (the rectification is then flagged as unassigned)."""
    handlers = list(rectification_handlers(department=department))
    if not handlers:
        return None
    load = dict(
        Rectification.objects.filter(
            owner_id__in=[h.pk for h in handlers], status__in=OPEN_RECTIFICATION_STATUSES
        )
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    return min(handlers, key=lambda h: (load.get(h.pk, 0), h.pk))


# --- disputes ------------------------------------------------------------------------------------


def dispute_queryset(*, user: Any, status: str | None = None) -> QuerySet[RatingDispute]:
    qs = RatingDispute.objects.filter(_scope_q(user, DISPUTE_READ_PERMS, "evaluation__department"))
    if status:
        qs = qs.filter(status=status)
    return qs


def dispute_list(
    *, user: Any, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[RatingDispute]:
    """Disputes against evaluations of departments in the user's scope, newest first."""
    qs = dispute_queryset(user=user, status=status).select_related(
        "evaluation__department", "evaluation__hall", "filed_by", "reviewed_by"
    )
    return keyset_page(qs, order=DISPUTE_ORDER, cursor=cursor, limit=limit)


def dispute_get(*, user: Any, dispute_id: int) -> RatingDispute:
    dispute = (
        dispute_queryset(user=user)
        .select_related("evaluation__department__division", "filed_by", "reviewed_by")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise NotFound("申诉不存在")
    return dispute


def level_counts_by_department(*, until: date | None = None) -> dict[int, dict[int, int]]:
    """City-wide, for the plan's indicator 7 and the department scorecards: valid (not voided) evaluations
    made up to ``until`` (北京时间 calendar day), as {department id: {level: count}}."""
    qs = Evaluation.objects.filter(voided=False).filter(day_bounds(None, until))
    result: dict[int, dict[int, int]] = {}
    for department_id, level, count in (
        qs.values("department_id", "level").annotate(n=Count("id")).values_list("department_id", "level", "n")
    ):
        result.setdefault(department_id, {})[level] = count
    return result
