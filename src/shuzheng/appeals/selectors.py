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
    AppealStatus,
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


def sla_info(
    due_at: datetime | None, *, done_at: datetime | None = None, now: datetime | None = None
) -> SlaInfo:
    now = now or timezone.now()
    state = sla.sla_state(due_at, now, done_at=done_at)
    remaining = (
        None if due_at is None or done_at is not None else round((due_at - now).total_seconds() / 3600, 1)
    )
    return SlaInfo(state=state, label=sla.SLA_LABELS[state], due_at=due_at, remaining_hours=remaining)


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


def _stats_scope(user: Any) -> QuerySet[Appeal]:
    _authenticated(user)
    if not user.has_perm(STATS_PERM):
        raise PermissionDenied(f"没有查看诉求统计的权限（{STATS_PERM}）")
    return _scope(user, STATS_PERM).filter(Appeal.objects.all(), department="department", division="division")


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
    *, user: Any, since: date | None = None, until: date | None = None, division_under: str | None = None
) -> dict[str, Any]:
    """Headline numbers and breakdowns for the dashboard (one pass of aggregates per breakdown).

    Rates: closure (办结率) = concluded or closed / all; on-time closure (按时办结率) = finished by the due
    time / finished with a due time; satisfaction = 满意+基本满意 / visited with a result; visit rate =
    work orders with a visit / closed work orders; first-dispatch accuracy = dispatched appeals whose
    work order was never returned or reassigned / dispatched; KB-answered = concluded from the KB / all.
    """
    qs = _window(_stats_scope(user), since, until)
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
        "by_channel": breakdown("channel"),
        "by_type": breakdown("appeal_type"),
        "by_category": breakdown("category__code", "category__name"),
        "by_town": _by_town(qs),
    }


def _by_town(qs: QuerySet[Appeal]) -> list[dict[str, Any]]:
    """Counts per town (镇街): appeals filed at village level are added to their town."""
    towns = {d.path: d for d in Division.objects.filter(level=Division.Level.TOWN)}
    counts: dict[str, int] = {}
    for path, n in qs.values_list("division__path").annotate(n=Count("id")):
        parts = path.strip("/").split("/")
        for i in range(len(parts), 0, -1):
            key = "/" + "/".join(parts[:i]) + "/"
            if key in towns:
                counts[key] = counts.get(key, 0) + n
                break
    return sorted(
        ({"key": towns[k].code, "label": towns[k].name, "count": n} for k, n in counts.items()),
        key=lambda r: -r["count"],
    )


def appeal_volume(*, user: Any, since: date, until: date, group_by: str = "channel") -> list[dict[str, Any]]:
    """Daily counts (Asia/Shanghai days) split by ``channel``, ``appeal_type`` or ``status``."""
    if group_by not in ("channel", "appeal_type", "status"):
        group_by = "channel"
    qs = _window(_stats_scope(user), since, until)
    rows = (
        qs.annotate(day=TruncDate("received_at", tzinfo=calendar.OFFICE_TZ))
        .values("day", group_by)
        .annotate(n=Count("id"))
        .order_by("day", group_by)
    )
    return [{"day": r["day"], "key": r[group_by], "count": r["n"]} for r in rows]


def hot_spots(
    *, user: Any, since: date | None = None, until: date | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Villages (or the division filed at) with the most appeals, with their top category."""
    qs = _window(_stats_scope(user), since, until)
    rows = list(qs.values("division__code", "division__name").annotate(n=Count("id")).order_by("-n")[:limit])
    return [
        {"division_code": r["division__code"], "division": r["division__name"], "count": r["n"]} for r in rows
    ]


def open_appeal_points(*, user: Any, limit: int = 5000) -> list[dict[str, Any]]:
    """Open appeals with coordinates for the offline map (no tiles needed: plain points)."""
    qs = _stats_scope(user).filter(
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
