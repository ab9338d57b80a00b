"""Reads of the appeals context, data-scope aware and keyset-paginated.

Who sees what (``identity.scopes.data_scope_for(user, perm)``):
- appeals (``appeals.view_appeal``): by the lead department (``department``), the division
  (``division``) or, for a SELF scope such as a grid worker's, the appeals they registered;
- the dispatch queue, returns, extensions and visits (``appeals.dispatch_appeal`` /
  ``appeals.visit_workorder``): the centre's division tree (or all);
- department queues (``appeals.handle_workorder``): work orders whose lead department lies in the
  user's department scope — nothing else exists for them (NotFound).

Queues for pages, Open311 and the bench:
``dispatch_queue``, ``department_queue``, ``assist_queue``, ``return_request_queue``,
``extension_request_queue``, ``visit_queue`` (all ``Page`` objects, oldest first), plus
``sla_info`` for the warning/overdue badge. Statistics inputs: ``appeal_stats``, ``appeal_volume``,
``hot_spots``, ``open_appeal_points``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from shuzheng.appeals import services, sla
from shuzheng.appeals import workflow as wf
from shuzheng.appeals.constants import (
    OPEN_APPEAL_STATUSES,
    OPEN_WORK_ORDER_STATUSES,
    VISIT_REQUIRED_TYPES,
    AppealStatus,
    AppealType,
    ArticleStatus,
    AssistStatus,
    ConclusionKind,
    DispatchKind,
    RequestStatus,
    VisitResult,
    WorkOrderStatus,
)
from shuzheng.appeals.models import (
    Appeal,
    Category,
    DispatchModel,
    ExtensionRequest,
    KnowledgeArticle,
    ReturnRequest,
    RoutingRule,
    WorkOrder,
    WorkOrderAssist,
    WorkOrderEvent,
)
from shuzheng.core import calendar, fulltext
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import NotFound, PermissionDenied
from shuzheng.core.masking import mask_mobile, mask_name
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.core.permissions import missing_permission
from shuzheng.identity.scopes import DataScope, data_scope_for
from shuzheng.orgs.models import Department, Division

VIEW_PERM = "appeals.view_appeal"
STATS_PERM = "appeals.view_appeal_stats"
APPEAL_ORDER = ("-received_at", "-id")
QUEUE_ORDER = ("received_at", "id")
WORK_ORDER_ORDER = ("dispatched_at", "id")
REQUEST_ORDER = ("requested_at", "id")
VISIT_ORDER = ("replied_at", "id")


def _authenticated(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")


def _scope(user: Any, perm: str) -> DataScope:
    _authenticated(user)
    return data_scope_for(user, perm)


def _appeal_scope(user: Any, perm: str = VIEW_PERM) -> QuerySet[Appeal]:
    return _scope(user, perm).filter(
        Appeal.objects.all(), department="department", division="division", owner="created_by"
    )


def _appeal_related(qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return qs.select_related("category", "division", "department", "work_order", "grid")


# --- appeals ----------------------------------------------------------------------------------------------


def appeal_list(
    *,
    user: Any,
    status: str | None = None,
    channel: str | None = None,
    appeal_type: str | None = None,
    category: str | None = None,
    division_under: str | None = None,
    department: int | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Appeal]:
    """Appeals in the user's scope, newest first. ``category`` is a code (its subtree is included)."""
    qs = _appeal_related(_appeal_scope(user))
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if appeal_type:
        qs = qs.filter(appeal_type=appeal_type)
    if category:
        path = Category.objects.filter(code=category).values_list("path", flat=True).first() or "//"
        qs = qs.filter(category__path__startswith=path)
    if division_under:
        path = Division.objects.filter(code=division_under).values_list("path", flat=True).first() or "//"
        qs = qs.filter(division__path__startswith=path)
    if department:
        qs = qs.filter(department_id=department)
    if received_from:
        qs = qs.filter(received_at__date__gte=received_from)
    if received_to:
        qs = qs.filter(received_at__date__lte=received_to)
    return keyset_page(qs, order=APPEAL_ORDER, cursor=cursor, limit=limit)


def appeal_search(
    *,
    user: Any,
    q: str = "",
    phone: str = "",
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Appeal]:
    """诉求列表 for operators, newest first, in the user's scope: ``q`` is an appeal number (exact, or its
    beginning) or words of the title or text; ``phone`` goes through the blind index (the whole number)."""
    qs = _appeal_related(_appeal_scope(user)).filter(is_historical=False)
    q = (q or "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL in a parameter
    if q:
        number = q.upper()
        qs = qs.filter(Q(number__startswith=number) | Q(text__icontains=q) | Q(title__icontains=q))
    digits = "".join(ch for ch in phone or "" if ch.isdigit())[-11:]
    if digits:
        qs = qs.filter(reporter_phone_index=blind_index(digits))
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, order=APPEAL_ORDER, cursor=cursor, limit=limit)


def appeal_get(*, user: Any, id: int, perm: str = VIEW_PERM) -> Appeal:
    appeal = _appeal_related(_appeal_scope(user, perm)).filter(pk=id).first()
    if appeal is None:
        raise NotFound("诉求不存在或不在您的数据范围内")
    return appeal


def public_status(appeal: Appeal) -> str:
    """ "open" or "closed" (Open311's two states): concluded and closed appeals are closed."""
    return "open" if appeal.status in OPEN_APPEAL_STATUSES else "closed"


def appeal_get_by_number(*, number: str) -> Appeal | None:
    """Public lookup by number (Open311 ``requests/{id}``, citizen follow-up); no scope — shape carefully."""
    return _appeal_related(Appeal.objects.all()).filter(number=number.strip()).first()


def my_appeals(*, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Appeal]:
    """A citizen's own appeals (filed with their account)."""
    _authenticated(user)
    qs = _appeal_related(Appeal.objects.filter(reporter_user_id=user.pk))
    return keyset_page(qs, order=APPEAL_ORDER, cursor=cursor, limit=limit)


def my_appeal_get(*, user: Any, id: int) -> Appeal:
    _authenticated(user)
    appeal = _appeal_related(Appeal.objects.filter(reporter_user_id=user.pk, pk=id)).first()
    if appeal is None:
        raise NotFound("诉求不存在")
    return appeal


@dataclass(frozen=True)
class Reporter:
    name: str
    phone: str
    masked: bool


def appeal_reporter(appeal: Appeal, *, user: Any, clear: bool | None = None) -> Reporter:
    """Reporter contact as this user may see it: clear with ``identity.view_clear_personal_data``."""
    if clear is None:
        clear = bool(
            user is not None
            and getattr(user, "is_authenticated", False)
            and user.has_perm("identity.view_clear_personal_data")
        )
    name, phone = appeal.reporter_name or "", appeal.reporter_phone or ""
    if clear:
        return Reporter(name=name, phone=phone, masked=False)
    return Reporter(name=mask_name(name), phone=mask_mobile(phone), masked=True)


def appeals_by_phone(*, user: Any, phone: str, limit: int = 20) -> list[Appeal]:
    """Repeat-caller lookup through the blind index (no clear phone numbers are searched)."""
    phone = "".join(ch for ch in phone if ch.isdigit())[-11:]
    if not phone:
        return []
    qs = _appeal_related(_appeal_scope(user)).filter(reporter_phone_index=blind_index(phone))
    return list(qs.order_by("-received_at", "-id")[:limit])


def appeal_history(*, appeal: Appeal) -> list[WorkOrderEvent]:
    if not appeal.work_order_id:
        return []
    return list(
        WorkOrderEvent.objects.filter(work_order_id=appeal.work_order_id).select_related(
            "actor", "department"
        )
    )


# --- SLA ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaInfo:
    state: str
    label: str
    due_at: datetime | None
    remaining_hours: float | None
    working_days: str = ""


def sla_info(
    due_at: datetime | None,
    *,
    done_at: datetime | None = None,
    now: datetime | None = None,
    cal: calendar.WorkingCalendar | None = None,
) -> SlaInfo:
    """The deadline badge; with ``cal`` (pages) also the working days left or overdue."""
    now = now or timezone.now()
    state = sla.sla_state(due_at, now, done_at=done_at)
    remaining = (
        None if due_at is None or done_at is not None else round((due_at - now).total_seconds() / 3600, 1)
    )
    return SlaInfo(
        state=state,
        label=sla.SLA_LABELS[state],
        due_at=due_at,
        remaining_hours=remaining,
        working_days=sla.working_days_text(due_at, now, done_at=done_at, cal=cal) if cal else "",
    )


def _sla_filter(qs: QuerySet[Any], sla_state: str | None, field: str = "due_at") -> QuerySet[Any]:
    now = timezone.now()
    if sla_state == "overdue":
        return qs.filter(**{f"{field}__lt": now})
    if sla_state == "warning":
        warn = now + timedelta(hours=settings.SHUZHENG_APPEAL_WARNING_HOURS)
        return qs.filter(**{f"{field}__gte": now, f"{field}__lte": warn})
    return qs


# --- queues ------------------------------------------------------------------------------------------------


def dispatch_queue(
    *, user: Any, sla_state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Appeal]:
    """调度中心待派单: pending appeals (not merged) in the centre's division scope, oldest first; each row
    carries ``dispatch_suggestions`` (top-3 of the classifier) and ``merge_suggestions``."""
    scope = _scope(user, wf.CENTRE_PERM)
    qs = scope.filter(
        Appeal.objects.filter(
            status=AppealStatus.PENDING_DISPATCH, merged_into__isnull=True, is_historical=False
        ),
        division="division",
    )
    qs = _sla_filter(_appeal_related(qs), sla_state)
    return keyset_page(qs, order=QUEUE_ORDER, cursor=cursor, limit=limit)


def _work_order_related(qs: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return qs.select_related("appeal", "appeal__division", "lead_department", "category")


def department_queue(
    *,
    user: Any,
    status: str | None = None,
    sla_state: str | None = None,
    supervised: bool | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[WorkOrder]:
    """部门待办: open work orders whose lead department is in the user's ``handle_workorder`` scope, oldest
    dispatch first. ``status`` narrows to one status; ``sla_state`` to "warning" or "overdue"."""
    scope = _scope(user, wf.DEPARTMENT_PERM)
    qs = (
        WorkOrder.objects.filter(status=status)
        if status
        else WorkOrder.objects.filter(status__in=OPEN_WORK_ORDER_STATUSES)
    )
    qs = scope.filter(qs, department="lead_department")
    if supervised is not None:
        qs = qs.filter(is_supervised=supervised)
    qs = _sla_filter(_work_order_related(qs), sla_state)
    return keyset_page(qs, order=WORK_ORDER_ORDER, cursor=cursor, limit=limit)


def work_order_list(
    *,
    user: Any,
    status: str | None = None,
    department: int | None = None,
    sla_state: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[WorkOrder]:
    """All work orders in the centre's scope (monitoring, 督办), oldest dispatch first."""
    scope = _scope(user, wf.CENTRE_PERM)
    qs = scope.filter(WorkOrder.objects.all(), department="lead_department", division="appeal__division")
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(lead_department_id=department)
    qs = _sla_filter(_work_order_related(qs), sla_state)
    return keyset_page(qs, order=WORK_ORDER_ORDER, cursor=cursor, limit=limit)


def work_order_get(*, user: Any, id: int) -> WorkOrder:
    """A work order the user may see as its department (handle scope) or as the centre."""
    _authenticated(user)
    qs = _work_order_related(WorkOrder.objects.filter(pk=id))
    department_scope = data_scope_for(user, wf.DEPARTMENT_PERM)
    centre_scope = data_scope_for(user, wf.CENTRE_PERM)
    if not (department_scope.is_all or centre_scope.is_all):
        # (An empty Q() would vanish in an OR, so "all" is handled by not filtering at all.)
        qs = qs.filter(
            department_scope.q(department="lead_department")
            | centre_scope.q(department="lead_department", division="appeal__division")
        )
    work_order = qs.first()
    if work_order is None:
        raise NotFound("工单不存在或不在您的数据范围内")
    return work_order


def work_order_events(*, work_order: WorkOrder) -> list[WorkOrderEvent]:
    return list(work_order.events.select_related("actor", "department").order_by("occurred_at", "id"))


def work_order_appeals(*, work_order: WorkOrder) -> list[Appeal]:
    """The appeals sharing this work order (the primary first, then merged ones)."""
    return list(work_order.appeals.select_related("division").order_by("received_at", "id"))


def assist_queue(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[WorkOrderAssist]:
    scope = _scope(user, wf.DEPARTMENT_PERM)
    qs = scope.filter(
        WorkOrderAssist.objects.filter(status__in=(AssistStatus.PENDING, AssistStatus.ACCEPTED)),
        department="department",
    ).select_related("work_order", "work_order__appeal", "department")
    return keyset_page(
        qs.exclude(work_order__status=WorkOrderStatus.CLOSED), order=("id",), cursor=cursor, limit=limit
    )


def return_request_queue(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ReturnRequest]:
    scope = _scope(user, wf.CENTRE_PERM)
    qs = scope.filter(
        ReturnRequest.objects.filter(status=RequestStatus.PENDING),
        department="work_order__lead_department",
        division="work_order__appeal__division",
    ).select_related("work_order", "work_order__appeal", "department", "suggested_department")
    return keyset_page(qs, order=REQUEST_ORDER, cursor=cursor, limit=limit)


def extension_request_queue(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ExtensionRequest]:
    scope = _scope(user, wf.CENTRE_PERM)
    qs = scope.filter(
        ExtensionRequest.objects.filter(status=RequestStatus.PENDING),
        department="work_order__lead_department",
        division="work_order__appeal__division",
    ).select_related("work_order", "work_order__appeal", "department")
    return keyset_page(qs, order=REQUEST_ORDER, cursor=cursor, limit=limit)


def visit_queue(*, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[WorkOrder]:
    """待回访: replied work orders, oldest reply first; ``visit_due`` tells when the visit is late."""
    scope = _scope(user, wf.VISIT_PERM)
    qs = scope.filter(
        WorkOrder.objects.filter(status=WorkOrderStatus.REPLIED),
        department="lead_department",
        division="appeal__division",
    )
    return keyset_page(_work_order_related(qs), order=VISIT_ORDER, cursor=cursor, limit=limit)


def visit_due(work_order: WorkOrder) -> date | None:
    """The last day of the return visit (SHUZHENG_APPEAL_VISIT_DAYS working days after the reply)."""
    if work_order.replied_at is None:
        return None
    return calendar.add_working_days(work_order.replied_at, settings.SHUZHENG_APPEAL_VISIT_DAYS)


# --- dispatch configuration ---------------------------------------------------------------------------


def category_list(*, include_inactive: bool = False) -> list[Category]:
    qs = Category.objects.select_related("parent")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("path"))


def category_get(*, code: str) -> Category:
    category = Category.objects.filter(code=code.strip(), is_active=True).first()
    if category is None:
        raise NotFound("诉求分类不存在")
    return category


def catalogue_department(*, category: Category, division: Division) -> Department | None:
    """派单目录 lookup: the entry for the division or the nearest ancestor division with one."""
    codes = [c for c in division.path.strip("/").split("/") if c]
    entries = {
        e.division.code: e.department
        for e in category.catalogue.filter(is_active=True, division__code__in=codes).select_related(
            "division", "department"
        )
    }
    for code in reversed(codes):
        if code in entries:
            return entries[code]
    return None


@dataclass(frozen=True)
class RuleTest:
    rule: RoutingRule | None
    department: Department | None
    catalogue_department: Department | None
    model_version: str | None
    model_department: str | None
    model_probability: float | None
    model_top: list[tuple[str, float]]
    model_category: str | None
    would_auto_dispatch: bool


def rule_test(
    *,
    text: str,
    category: Category | None = None,
    division: Division | None = None,
    channel: str = "",
    appeal_type: str = "",
    is_enterprise: bool = False,
) -> RuleTest:
    """Which rule an example would hit (规则测试), and what the classifier would say."""
    rule = services.routing_rule_match(
        text=text,
        category=category,
        division=division,
        channel=channel,
        appeal_type=appeal_type,
        is_enterprise=is_enterprise,
    )
    catalogue = catalogue_department(category=category, division=division) if category and division else None
    active = services.active_dispatch_model()
    prediction = active[1].predict(text) if active is not None else None
    threshold = settings.SHUZHENG_DISPATCH_CONFIDENCE
    return RuleTest(
        rule=rule,
        department=rule.lead_department if rule else None,
        catalogue_department=catalogue,
        model_version=active[0].version if active else None,
        model_department=prediction.department if prediction else None,
        model_probability=prediction.probability if prediction else None,
        model_top=prediction.top if prediction else [],
        model_category=prediction.category if prediction else None,
        would_auto_dispatch=rule is not None or bool(prediction and prediction.probability >= threshold),
    )


def dispatch_model_active() -> DispatchModel | None:
    return DispatchModel.objects.filter(is_active=True).first()


def dispatch_model_list() -> list[DispatchModel]:
    return list(DispatchModel.objects.order_by("-trained_at", "-id")[:50])


# --- knowledge base and intake assistance ----------------------------------------------------------------


def _valid_articles(today: date) -> QuerySet[KnowledgeArticle]:
    return KnowledgeArticle.objects.filter(status=ArticleStatus.PUBLISHED).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
    )


def loose_search(doc_type: str, text: str, *, limit: int) -> list[int]:
    """Full-text ids for free text typed by an agent: all words of two or more characters first; when
    that finds nothing, each word alone, ranked by how many words hit (so "我的身份证丢了" still finds
    the article on 身份证 without requiring "我" and "的")."""
    words = list(dict.fromkeys(alts[0] for alts in fulltext.query_terms(text) if len(alts[0]) >= 2))[:6]
    if not words:
        return []
    ids = fulltext.search(doc_type, " ".join(words), limit=limit)
    if ids or len(words) == 1:
        return [int(i) for i in ids]
    score: dict[str, int] = {}
    for word in words:
        for rank, doc_id in enumerate(fulltext.search(doc_type, word, limit=limit)):
            score[doc_id] = score.get(doc_id, 0) + 100 - min(rank, 99)
    return [int(i) for i in sorted(score, key=lambda k: -score[k])[:limit]]


def kb_search(*, q: str, limit: int = 5, today: date | None = None) -> list[KnowledgeArticle]:
    """Published articles valid today matching ``q`` (jieba full-text, see ``loose_search``), best first."""
    q = (q or "").strip()[:200]
    if not q:
        return []
    ids = loose_search(services.KB_DOC, q, limit=limit * 4)
    found = {
        a.pk: a
        for a in _valid_articles(today or timezone.localdate()).filter(pk__in=ids).select_related("category")
    }
    return [found[i] for i in ids if i in found][:limit]


def article_list(
    *, user: Any, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[KnowledgeArticle]:
    """Staff list of KB articles (any status) for editors and reviewers."""
    _authenticated(user)
    if not user.has_perm("appeals.view_knowledgearticle"):
        raise PermissionDenied("没有查看知识库的权限（appeals.view_knowledgearticle）")
    qs = KnowledgeArticle.objects.select_related("category", "department")
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, order=("-id",), cursor=cursor, limit=limit)


def article_get(*, id: int, published_only: bool = False) -> KnowledgeArticle:
    qs = KnowledgeArticle.objects.select_related("category", "department").filter(pk=id)
    if published_only:
        qs = qs.filter(status=ArticleStatus.PUBLISHED)
    article = qs.first()
    if article is None:
        raise NotFound("知识库条目不存在")
    return article


def similar_appeals(*, user: Any, text: str, limit: int = 5) -> list[Appeal]:
    """Past appeals (in the user's scope) whose text matches ``text`` best (jieba full-text)."""
    text = (text or "").strip()[:200]
    if not text:
        return []
    ids = loose_search(services.APPEAL_DOC, text, limit=limit * 4)
    found = {a.pk: a for a in _appeal_related(_appeal_scope(user)).filter(pk__in=ids)}
    return [found[i] for i in ids if i in found][:limit]


@dataclass(frozen=True)
class IntakeAssist:
    articles: list[KnowledgeArticle]
    similar: list[Appeal]
    rule: RoutingRule | None
    model_top: list[tuple[str, float]]


def intake_assist(*, user: Any, text: str) -> IntakeAssist:
    """While the agent types: top KB answers, similar past appeals, the rule that would apply and the
    classifier's top-3 departments."""
    text = (text or "").strip()[: settings.SHUZHENG_APPEAL_MAX_TEXT]
    if not text:
        return IntakeAssist(articles=[], similar=[], rule=None, model_top=[])
    active = services.active_dispatch_model()
    return IntakeAssist(
        articles=kb_search(q=text),
        similar=similar_appeals(user=user, text=text),
        rule=services.routing_rule_match(text=text),
        model_top=active[1].predict(text).top if active else [],
    )


# --- statistics --------------------------------------------------------------------------------------------


def _stats_scope(user: Any, department: Department | None = None) -> QuerySet[Appeal]:
    """Appeals the user may count (``view_appeal_stats`` scope), narrowed to a department's tree."""
    _authenticated(user)
    if not user.has_perm(STATS_PERM):
        raise PermissionDenied(f"没有查看诉求统计的权限{missing_permission(STATS_PERM)}")
    qs = _scope(user, STATS_PERM).filter(Appeal.objects.all(), department="department", division="division")
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    return qs


def stats_departments(*, user: Any) -> list[Department]:
    """Departments the statistics may be narrowed to: those inside the user's statistics scope."""
    _authenticated(user)
    scope = _scope(user, STATS_PERM)
    departments = Department.objects.filter(is_active=True).select_related("division").order_by("path")
    return [d for d in departments if scope.covers_department(d)]


def _window(qs: QuerySet[Appeal], since: date | None, until: date | None) -> QuerySet[Appeal]:
    if since:
        qs = qs.filter(
            received_at__gte=datetime.combine(since, datetime.min.time(), tzinfo=calendar.OFFICE_TZ)
        )
    if until:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=calendar.OFFICE_TZ)
        qs = qs.filter(received_at__lt=end)
    return qs


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def appeal_stats(
    *,
    user: Any,
    since: date | None = None,
    until: date | None = None,
    division_under: str | None = None,
    department: Department | None = None,
) -> dict[str, Any]:
    """Headline numbers and breakdowns for the dashboard (one pass of aggregates per breakdown).

    Rates: closure (办结率) = concluded or closed / all; on-time closure (按时办结率) = finished by the due
    time / finished with a due time; satisfaction = 满意+基本满意 / visited with a result; visit rate =
    work orders with a visit / closed work orders; first-dispatch accuracy = dispatched appeals whose
    work order was never returned or reassigned / dispatched; KB-answered = concluded from the KB / all.
    """
    qs = _window(_stats_scope(user, department), since, until)
    if division_under:
        path = Division.objects.filter(code=division_under).values_list("path", flat=True).first() or "//"
        qs = qs.filter(division__path__startswith=path)
    finished = Q(status__in=(AppealStatus.CLOSED, AppealStatus.CONCLUDED))
    totals = qs.aggregate(
        total=Count("id"),
        finished=Count("id", filter=finished),
        open=Count("id", filter=Q(status__in=OPEN_APPEAL_STATUSES)),
        with_due=Count("id", filter=finished & Q(due_at__isnull=False, concluded_at__isnull=False)),
        on_time=Count("id", filter=finished & Q(due_at__isnull=False, concluded_at__lte=F("due_at"))),
        rated=Count("id", filter=~Q(satisfaction="") & ~Q(satisfaction=VisitResult.FAILED)),
        satisfied=Count(
            "id", filter=Q(satisfaction__in=(VisitResult.SATISFIED, VisitResult.BASICALLY_SATISFIED))
        ),
        kb=Count("id", filter=Q(conclusion=ConclusionKind.KNOWLEDGE_BASE)),
        direct=Count("id", filter=Q(conclusion=ConclusionKind.DIRECT_ANSWER)),
        self_handled=Count("id", filter=Q(conclusion=ConclusionKind.SELF_HANDLED)),
        dispatched=Count("id", filter=Q(work_order__isnull=False)),
        first_right=Count(
            "id", filter=Q(work_order__isnull=False, work_order__return_count=0, work_order__reassign_count=0)
        ),
        auto=Count("id", filter=Q(work_order__dispatch_kind__in=(DispatchKind.RULE, DispatchKind.MODEL))),
        overdue_open=Count("id", filter=Q(status__in=OPEN_APPEAL_STATUSES, due_at__lt=timezone.now())),
    )
    wo = WorkOrder.objects.filter(appeal__in=qs.filter(work_order__isnull=False).values("pk"))
    wo_totals = wo.aggregate(
        closed=Count("id", filter=Q(status=WorkOrderStatus.CLOSED)),
        visited=Count("id", filter=Q(status=WorkOrderStatus.CLOSED, visits__isnull=False), distinct=True),
    )

    def breakdown(field: str, label: str | None = None) -> list[dict[str, Any]]:
        fields = [field] + ([label] if label else [])
        return [
            {"key": row[field], "label": row[label] if label else row[field], "count": row["n"]}
            for row in qs.values(*fields).annotate(n=Count("id")).order_by("-n")[:50]
        ]

    return {
        "total": totals["total"],
        "open": totals["open"],
        "finished": totals["finished"],
        "overdue_open": totals["overdue_open"],
        "closure_rate": _rate(totals["finished"], totals["total"]),
        "on_time_rate": _rate(totals["on_time"], totals["with_due"]),
        "satisfaction_rate": _rate(totals["satisfied"], totals["rated"]),
        "visit_rate": _rate(wo_totals["visited"], wo_totals["closed"]),
        "first_dispatch_accuracy": _rate(totals["first_right"], totals["dispatched"]),
        "auto_dispatch_rate": _rate(totals["auto"], totals["dispatched"]),
        "kb_answered_rate": _rate(totals["kb"], totals["total"]),
        "direct_answer_rate": _rate(totals["direct"] + totals["kb"], totals["total"]),
        "self_handled": totals["self_handled"],
        "counts": {
            "finished_with_due": totals["with_due"],
            "on_time": totals["on_time"],
            "rated": totals["rated"],
            "satisfied": totals["satisfied"],
            "work_orders_closed": wo_totals["closed"],
            "work_orders_visited": wo_totals["visited"],
            "dispatched": totals["dispatched"],
            "first_right": totals["first_right"],
            "kb": totals["kb"],
        },
        "by_channel": breakdown("channel"),
        "by_type": breakdown("appeal_type"),
        "by_category": breakdown("category__code", "category__name"),
        "by_town": _by_town(qs),
    }


def _town_of_path(path: str, towns: dict[str, Division]) -> Division | None:
    parts = path.strip("/").split("/")
    for i in range(len(parts), 0, -1):
        key = "/" + "/".join(parts[:i]) + "/"
        if key in towns:
            return towns[key]
    return None


def towns_by_path() -> dict[str, Division]:
    """Every town (镇街) by its path, to place appeals at town level (``town_of``)."""
    return {d.path: d for d in Division.objects.filter(level=Division.Level.TOWN)}


def town_of(division: Division, towns: dict[str, Division]) -> Division:
    """The town a division lies in (itself when it is a town or above)."""
    return _town_of_path(division.path, towns) or division


def _by_town(qs: QuerySet[Appeal]) -> list[dict[str, Any]]:
    """Counts per town (镇街): appeals filed at village level are added to their town."""
    towns = {d.path: d for d in Division.objects.filter(level=Division.Level.TOWN)}
    counts: dict[str, int] = {}
    for path, n in qs.values_list("division__path").annotate(n=Count("id")):
        town = _town_of_path(path, towns)
        if town is not None:
            counts[town.path] = counts.get(town.path, 0) + n
    return sorted(
        ({"key": towns[k].code, "label": towns[k].name, "count": n} for k, n in counts.items()),
        key=lambda r: -r["count"],
    )


VOLUME_GROUPS = ("channel", "appeal_type", "status", "category", "town")


def appeal_volume(
    *,
    user: Any,
    since: date,
    until: date,
    group_by: str = "channel",
    department: Department | None = None,
) -> list[dict[str, Any]]:
    """Daily counts (Asia/Shanghai days) split by ``channel``, ``appeal_type``, ``status``, ``category``
    (its name; "未分类" when none) or ``town`` (镇街; village appeals count for their town)."""
    if group_by not in VOLUME_GROUPS:
        group_by = "channel"
    qs = _window(_stats_scope(user, department), since, until).annotate(
        day=TruncDate("received_at", tzinfo=calendar.OFFICE_TZ)
    )
    if group_by == "town":
        towns = {d.path: d for d in Division.objects.filter(level=Division.Level.TOWN)}
        merged: dict[tuple[Any, str], int] = {}
        for row in qs.values("day", "division__path").annotate(n=Count("id")).order_by("day"):
            town = _town_of_path(row["division__path"], towns)
            key = (row["day"], town.name if town else "市级")
            merged[key] = merged.get(key, 0) + row["n"]
        return [{"day": day, "key": name, "count": n} for (day, name), n in sorted(merged.items())]
    field = "category__name" if group_by == "category" else group_by
    rows = qs.values("day", field).annotate(n=Count("id")).order_by("day", field)
    return [{"day": r["day"], "key": r[field] or "未分类", "count": r["n"]} for r in rows]


def hot_spots(
    *,
    user: Any,
    since: date | None = None,
    until: date | None = None,
    limit: int = 20,
    department: Department | None = None,
) -> list[dict[str, Any]]:
    """Villages (or the division filed at) with the most appeals."""
    qs = _window(_stats_scope(user, department), since, until)
    rows = list(qs.values("division__code", "division__name").annotate(n=Count("id")).order_by("-n")[:limit])
    return [
        {"division_code": r["division__code"], "division": r["division__name"], "count": r["n"]} for r in rows
    ]


def open_appeal_points(
    *, user: Any, limit: int = 5000, department: Department | None = None
) -> list[dict[str, Any]]:
    """Open appeals with coordinates for the offline map (no tiles needed: plain points)."""
    qs = _stats_scope(user, department).filter(
        status__in=OPEN_APPEAL_STATUSES, latitude__isnull=False, longitude__isnull=False
    )
    return [
        {
            "id": pk,
            "number": number,
            "lat": float(lat or 0),
            "lng": float(lng or 0),
            "category": category,
            "status": status,
        }
        for pk, number, lat, lng, category, status in qs.values_list(
            "pk", "number", "latitude", "longitude", "category__name", "status"
        ).order_by("-received_at")[:limit]
    ]


def open_appeals_by_division(*, user: Any, department: Department | None = None) -> list[dict[str, Any]]:
    """Open appeals without coordinates, counted per division (the map places them at the division)."""
    qs = _stats_scope(user, department).filter(
        status__in=OPEN_APPEAL_STATUSES, latitude__isnull=True, merged_into__isnull=True
    )
    rows = qs.values("division_id").annotate(n=Count("id")).order_by("-n")
    divisions = Division.objects.in_bulk([r["division_id"] for r in rows])
    return [{"division": divisions[r["division_id"]], "count": r["n"]} for r in rows]


# --- workbench pages (work-order detail and what the viewer may do there) --------------------------------


def work_order_get_for_page(*, user: Any, id: int) -> WorkOrder:
    """A work order for its detail page: the lead department's tree, the centre, or an assisting
    department of it (which may read it to give its feedback). Anyone else: NotFound."""
    try:
        return work_order_get(user=user, id=id)
    except NotFound:
        if not work_order_assists_for(user=user, work_order_id=id):
            raise
    return _work_order_related(WorkOrder.objects.filter(pk=id)).get()


def work_order_assists_for(*, user: Any, work_order_id: int) -> list[WorkOrderAssist]:
    """The assisting tasks of one work order that belong to the user's ``handle_workorder`` scope."""
    _authenticated(user)
    scope = data_scope_for(user, wf.DEPARTMENT_PERM)
    if scope.is_empty:
        return []
    qs = scope.filter(WorkOrderAssist.objects.filter(work_order_id=work_order_id), department="department")
    return list(qs.select_related("department").order_by("id"))


#: Actions offered on the work-order page, in the order they are shown.
PAGE_ACTIONS = (
    wf.WorkOrderAction.ACCEPT,
    wf.WorkOrderAction.REPLY,
    wf.WorkOrderAction.FORWARD,
    wf.WorkOrderAction.REQUEST_RETURN,
    "request_extension",
    wf.WorkOrderAction.REASSIGN,
    "visit",
    wf.WorkOrderAction.CLOSE,
    wf.WorkOrderAction.REMIND,
    wf.WorkOrderAction.SUPERVISE,
)


def work_order_page_actions(*, user: Any, work_order: WorkOrder) -> list[str]:
    """What this user may do on this work order now: the workflow table for its status, the
    permission of each action and the user's scope (the lead department's tree for department actions,
    the centre's scope for the others). ``request_extension`` and ``visit`` stand for the extension
    request and the return visit (whose outcome picks the workflow action)."""
    _authenticated(user)
    status = work_order.status

    def in_scope(perm: str, department_only: bool) -> bool:
        if not user.has_perm(perm):
            return False
        scope = data_scope_for(user, perm)
        qs = WorkOrder.objects.filter(pk=work_order.pk)
        if department_only:
            return scope.filter(qs, department="lead_department").exists()
        return scope.filter(qs, department="lead_department", division="appeal__division").exists()

    cache: dict[tuple[str, bool], bool] = {}

    def may(perm: str, department_only: bool) -> bool:
        key = (perm, department_only)
        if key not in cache:
            cache[key] = in_scope(perm, department_only)
        return cache[key]

    found: list[str] = []
    for action in PAGE_ACTIONS:
        if action == "request_extension":
            allowed = status in (WorkOrderStatus.HANDLING, WorkOrderStatus.SUPERVISED) and may(
                wf.DEPARTMENT_PERM, True
            )
            allowed = (
                allowed and not work_order.extension_requests.filter(status=RequestStatus.PENDING).exists()
            )
        elif action == "visit":
            allowed = status == WorkOrderStatus.REPLIED and may(wf.VISIT_PERM, False)
        else:
            perm = wf.ACTION_PERMS[action]
            allowed = wf.target(status, action) is not None and may(perm, action in wf.DEPARTMENT_ACTIONS)
            if action == wf.WorkOrderAction.CLOSE:
                allowed = allowed and work_order.appeal_type not in VISIT_REQUIRED_TYPES
        if allowed:
            found.append(str(action))
    return found


def forward_targets(*, work_order: WorkOrder) -> list[Department]:
    """Active subordinate units of the lead department (下转 goes only there)."""
    lead = work_order.lead_department
    return list(
        Department.objects.filter(path__startswith=lead.path, is_active=True)
        .exclude(pk=lead.pk)
        .order_by("path")
    )


# --- portal, grid-event and knowledge-base pages --------------------------------------------------------


def intake_divisions() -> list[tuple[Division, list[Division]]]:
    """The city's active towns (镇街), each with its active villages (村居), in code order: the location
    picker of the portal and the grid report."""
    city = Division.objects.filter(code=settings.SHUZHENG_APPEAL_CITY_DIVISION).first()
    if city is None:
        return []
    rows = Division.objects.filter(
        path__startswith=city.path,
        is_active=True,
        level__in=(Division.Level.TOWN, Division.Level.VILLAGE),
    ).order_by("path")
    towns: list[tuple[Division, list[Division]]] = []
    villages: dict[str, list[Division]] = {}
    for division in rows:
        if division.level == Division.Level.TOWN:
            towns.append((division, villages.setdefault(division.path, [])))
            continue
        parent = division.path[: division.path.rstrip("/").rfind("/") + 1]
        villages.setdefault(parent, []).append(division)
    return towns


def appeal_photos(*, appeal: Appeal) -> list[Any]:
    """The appeal's attachments, oldest first (what the reporter or grid worker uploaded, and replies)."""
    return list(appeal.attachments.order_by("id"))


def appeal_attachment_get(*, appeal: Appeal, id: int) -> Any:
    attachment = appeal.attachments.filter(pk=id).first()
    if attachment is None:
        raise NotFound("附件不存在")
    return attachment


@dataclass(frozen=True)
class TimelineStep:
    at: datetime | None
    label: str


_CLOSING_ACTIONS = frozenset(
    {
        wf.WorkOrderAction.VISIT_SATISFIED,
        wf.WorkOrderAction.VISIT_FAILED,
        wf.WorkOrderAction.CLOSE,
        wf.WorkOrderAction.CLOSE_UNSATISFIED,
    }
)


def citizen_timeline(*, appeal: Appeal) -> list[TimelineStep]:
    """The progress of an appeal in the reporter's words: registration, which department handles it,
    reply, return visit, closing. No staff names, internal notes, return reasons or reminders."""
    steps = [TimelineStep(appeal.received_at, f"诉求已登记（{appeal.get_channel_display()}）")]
    if appeal.merged_into_id:
        steps.append(TimelineStep(None, "与反映同一问题的诉求合并办理，答复将同时告知您"))
    for moved in appeal.events.filter(action=wf.AppealAction.ESCALATE):
        steps.append(TimelineStep(moved.occurred_at, "已上报，等待调度中心派单"))
    act = wf.WorkOrderAction
    for event in appeal_history(appeal=appeal):
        department = event.department.name if event.department else "承办部门"
        label = {
            "dispatch": f"已转交{department}办理",
            act.ACCEPT: f"{department}已签收，正在办理",
            act.FORWARD: f"已转交{department}具体办理",
            act.APPROVE_RETURN: f"已改由{department}办理",
            act.REASSIGN: f"已改由{department}办理",
            act.REPLY: f"{department}已答复",
            act.REOPEN: "回访不满意，已要求承办部门重新办理",
            act.ESCALATE: "回访仍不满意，已列入督办",
            act.SUPERVISE: "已列入督办",
        }.get(event.action)
        if event.action in _CLOSING_ACTIONS:
            label = "已办结"
        if label:
            steps.append(TimelineStep(event.occurred_at, label))
    if appeal.status == AppealStatus.CONCLUDED:
        self_handled = appeal.conclusion == ConclusionKind.SELF_HANDLED
        label = "网格员已现场处置，办结" if self_handled else "已直接答复，办结"
        steps.append(TimelineStep(appeal.concluded_at, label))
    return steps


@dataclass(frozen=True)
class PublicAppealStatus:
    number: str
    status: str  # "open" or "closed"
    stage: str
    category: str
    received_at: datetime
    concluded_at: datetime | None


_PUBLIC_STAGES: dict[str, str] = {
    AppealStatus.REPORTED: "网格员已上报，正在处置",
    AppealStatus.PENDING_DISPATCH: "已登记，正在分派承办部门",
    AppealStatus.DISPATCHED: "承办部门办理中",
    AppealStatus.CONCLUDED: "已办结",
    AppealStatus.CLOSED: "已办结",
}


def public_lookup(*, number: str) -> PublicAppealStatus | None:
    """诉求进度查询 by number for anybody: status and dates only — no text, place or personal data; 举报
    and imported history are not public (as in Open311, ``public_requests``)."""
    number = (number or "").strip().upper()[:32]
    if not number:
        return None
    appeal = public_requests().filter(number=number).first()
    if appeal is None:
        return None
    return PublicAppealStatus(
        number=appeal.number,
        status=public_status(appeal),
        stage=_PUBLIC_STAGES.get(appeal.status, appeal.get_status_display()),
        category=appeal.category.name if appeal.category else "",
        received_at=appeal.received_at,
        concluded_at=appeal.concluded_at,
    )


def _require_grid_reporter(user: Any) -> None:
    _authenticated(user)
    if not user.has_perm("appeals.report_grid_event"):
        raise PermissionDenied("没有上报网格事件的权限（appeals.report_grid_event）")


def my_grid_events(
    *, user: Any, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[Appeal]:
    """The grid events this grid worker reported, newest first."""
    _require_grid_reporter(user)
    qs = Appeal.objects.filter(channel="grid", created_by_id=user.pk)
    if status:
        qs = qs.filter(status=status)
    return keyset_page(_appeal_related(qs), order=APPEAL_ORDER, cursor=cursor, limit=limit)


def my_grid_event_get(*, user: Any, id: int) -> Appeal:
    """One of the worker's own grid events; anybody else's is NotFound."""
    _require_grid_reporter(user)
    appeal = _appeal_related(Appeal.objects.filter(channel="grid", created_by_id=user.pk, pk=id)).first()
    if appeal is None:
        raise NotFound("网格事件不存在或不是您上报的")
    return appeal


def grid_choices(*, user: Any, limit: int = 500) -> list[Any]:
    """Grids a worker may report in: those of the town of their own grid, else the city's."""
    from shuzheng.orgs.models import Grid

    worker = getattr(user, "grid_worker", None) if user is not None else None
    qs = Grid.objects.filter(is_active=True).select_related("division")
    if worker is not None and worker.grid_id:
        village_path = worker.grid.division.path
        town_path = village_path[: village_path.rstrip("/").rfind("/") + 1]
        qs = qs.filter(division__path__startswith=town_path)
    else:
        city = Division.objects.filter(code=settings.SHUZHENG_APPEAL_CITY_DIVISION).first()
        qs = qs.filter(division__path__startswith=city.path if city else "//")
    return list(qs.order_by("code")[:limit])


def routing_rules() -> list[RoutingRule]:
    """Active routing rules in the order they are tried (for the rule test page)."""
    return list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("category", "division", "lead_department", "set_category")
        .prefetch_related("assist_departments")
        .order_by("position", "id")
    )


def category_names(codes: list[str]) -> dict[str, str]:
    return dict(Category.objects.filter(code__in=codes).values_list("code", "name"))


def article_search(
    *,
    user: Any,
    q: str = "",
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[KnowledgeArticle]:
    """The staff list of KB articles. Without ``q``: newest first, keyset-paginated. With ``q``: one page
    of the best matches — published articles ranked by jieba full text (``loose_search``), then any
    article (drafts too) whose question or keywords contain ``q``. ``status`` narrows to one status."""
    _authenticated(user)
    if not user.has_perm("appeals.view_knowledgearticle"):
        raise PermissionDenied("没有查看知识库的权限（appeals.view_knowledgearticle）")
    qs = KnowledgeArticle.objects.select_related("category", "department")
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()[:200]
    if not q:
        return keyset_page(qs, order=("-id",), cursor=cursor, limit=limit)
    ranked = loose_search(services.KB_DOC, q, limit=limit)
    found = {a.pk: a for a in qs.filter(pk__in=ranked)}
    items = [found[pk] for pk in ranked if pk in found]
    contains = qs.filter(Q(question__icontains=q) | Q(keywords__icontains=q)).exclude(pk__in=ranked)
    items += list(contains.order_by("-id")[: max(limit - len(items), 0)])
    return Page(items=items[:limit], next_cursor=None)


def article_versions(*, article: KnowledgeArticle) -> list[Any]:
    """The version history of an article, newest first."""
    return list(article.versions.select_related("actor").order_by("-id"))


def article_actions(*, user: Any, article: KnowledgeArticle) -> list[str]:
    """What this user may do with the article now: edit, submit, review, retire."""
    found: list[str] = []
    if user.has_perm("appeals.change_knowledgearticle") and article.status != ArticleStatus.IN_REVIEW:
        found.append("edit")
    if user.has_perm("appeals.change_knowledgearticle") and article.status == ArticleStatus.DRAFT:
        found.append("submit")
    if (
        user.has_perm("appeals.review_knowledgearticle")
        and article.status == ArticleStatus.IN_REVIEW
        and article.submitted_by_id != user.pk
    ):
        found.append("review")
    if user.has_perm("appeals.review_knowledgearticle") and article.status == ArticleStatus.PUBLISHED:
        found.append("retire")
    return found


# --- Open311 (public reads) ------------------------------------------------------------------------------


def public_requests() -> QuerySet[Appeal]:
    """Appeals Open311 ``GET requests`` may show to anyone: not 举报 (whistle-blowing stays confidential)
    and not imported history. Callers shape the output without reporter data."""
    return (
        Appeal.objects.filter(is_historical=False)
        .exclude(appeal_type=AppealType.REPORT)
        .select_related("category", "division", "department")
    )


def public_request_list(
    *,
    numbers: list[str] | None = None,
    category_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[Appeal]:
    """Open311 ``GET requests``: by numbers (which override every other filter), else by categories (a code
    includes its subtree), public status ("open"/"closed") and a received-at window; newest first."""
    qs = public_requests()
    if numbers:
        return list(qs.filter(number__in=numbers).order_by("-received_at", "-id")[:limit])
    if category_codes:
        paths = list(Category.objects.filter(code__in=category_codes).values_list("path", flat=True))
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(category__path__startswith=path)
        qs = qs.filter(condition)
    if statuses and set(statuses) != {"open", "closed"}:
        qs = (
            qs.filter(status__in=OPEN_APPEAL_STATUSES)
            if "open" in statuses
            else qs.exclude(status__in=OPEN_APPEAL_STATUSES)
        )
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lte=until)
    return list(qs.order_by("-received_at", "-id")[:limit])


def department_names(*, codes: list[str]) -> dict[str, str]:
    """Department code -> name (for the classifier's suggestions, which carry codes)."""
    return dict(Department.objects.filter(code__in=codes).values_list("code", "name"))


def division_by_code(code: str) -> Division | None:
    """An active division by its code (rule test page), or None."""
    return Division.objects.filter(code=(code or "").strip(), is_active=True).first()


def kb_departments() -> list[Department]:
    """Active departments for the knowledge-base department picker, in tree order."""
    return list(Department.objects.filter(is_active=True).order_by("path"))


def kb_department(pk: int) -> Department | None:
    return Department.objects.filter(pk=pk, is_active=True).first()


def department_picker_labels() -> list[str]:
    """ "名称（编码）" of the active departments in tree order: the options of the searchable pickers."""
    rows = Department.objects.filter(is_active=True).order_by("path").values_list("name", "code")
    return [f"{name}（{code}）" for name, code in rows]
