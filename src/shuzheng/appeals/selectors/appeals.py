"""Appeals (诉求) as staff and reporters see them, in the caller's data scope; intake assistance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q

from shuzheng.appeals import routing
from shuzheng.appeals.constants import APPEAL_DOC, OPEN_APPEAL_STATUSES
from shuzheng.appeals.dispatching.normalise import normalise
from shuzheng.appeals.dispatching.router import Route
from shuzheng.appeals.models import Appeal, Category, KnowledgeArticle, RoutingRule, WorkOrderEvent
from shuzheng.appeals.selectors.common import (
    APPEAL_ORDER,
    VIEW_PERM,
    appeal_related,
    appeal_scope,
    authenticated,
    loose_search,
)
from shuzheng.appeals.selectors.knowledge import kb_for_departments, kb_search
from shuzheng.core.crypto import blind_index
from shuzheng.core.errors import NotFound
from shuzheng.core.masking import mask_mobile, mask_name
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.orgs import selectors as orgs_selectors
from shuzheng.orgs.constants import DivisionLevel

if TYPE_CHECKING:
    from shuzheng.orgs.models import Division


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
    qs = appeal_related(appeal_scope(user))
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
        qs = qs.filter(division__path__startswith=orgs_selectors.division_tree_path(division_under) or "//")
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
    qs = appeal_related(appeal_scope(user)).filter(is_historical=False)
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


def appeal_shown(*, user: Any, appeal: Appeal, perm: str = VIEW_PERM) -> Appeal:
    """`appeal` as the service that wrote it holds it (relations loaded), when it is in the user's scope
    (one narrow query): the intake answers with it instead of reading it back with `appeal_get`."""
    if not appeal_scope(user, perm).filter(pk=appeal.pk).exists():
        raise NotFound("诉求不存在或不在您的数据范围内")
    return appeal


def appeal_get(*, user: Any, id: int, perm: str = VIEW_PERM) -> Appeal:
    appeal = appeal_related(appeal_scope(user, perm)).filter(pk=id).first()
    if appeal is None:
        raise NotFound("诉求不存在或不在您的数据范围内")
    return appeal


def public_status(appeal: Appeal) -> str:
    """ "open" or "closed" (Open311's two states): concluded and closed appeals are closed."""
    return "open" if appeal.status in OPEN_APPEAL_STATUSES else "closed"


def appeal_get_by_number(*, number: str) -> Appeal | None:
    """Public lookup by number (Open311 ``requests/{id}``, citizen follow-up); no scope — shape carefully."""
    return appeal_related(Appeal.objects.all()).filter(number=number.strip()).first()


def my_appeals(*, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Appeal]:
    """A citizen's own appeals (filed with their account)."""
    authenticated(user)
    qs = appeal_related(Appeal.objects.filter(reporter_user_id=user.pk))
    return keyset_page(qs, order=APPEAL_ORDER, cursor=cursor, limit=limit)


def my_appeal_get(*, user: Any, id: int) -> Appeal:
    authenticated(user)
    appeal = appeal_related(Appeal.objects.filter(reporter_user_id=user.pk, pk=id)).first()
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
    qs = appeal_related(appeal_scope(user)).filter(reporter_phone_index=blind_index(phone))
    return list(qs.order_by("-received_at", "-id")[:limit])


def appeal_history(*, appeal: Appeal) -> list[WorkOrderEvent]:
    if not appeal.work_order_id:
        return []
    return list(
        WorkOrderEvent.objects.filter(work_order_id=appeal.work_order_id).select_related(
            "actor", "department"
        )
    )


def similar_appeals(*, user: Any, text: str, limit: int = 5) -> list[Appeal]:
    """Past appeals (in the user's scope) whose text matches ``text`` best (jieba full-text)."""
    text = (text or "").strip()[:200]
    if not text:
        return []
    ids = loose_search(APPEAL_DOC, text, limit=limit * 4)
    found = {a.pk: a for a in appeal_related(appeal_scope(user)).filter(pk__in=ids)}
    return [found[i] for i in ids if i in found][:limit]


@dataclass(frozen=True)
class IntakeAssist:
    articles: list[KnowledgeArticle]
    similar: list[Appeal]
    rule: RoutingRule | None
    model_top: list[tuple[str, float]]


#: How many candidates the full-text search returns before the router's departments filter them.
HELP_CANDIDATES = 20


def _relevant_departments(route: Route | None) -> list[str]:
    """The departments help is drawn from: the router's best one, and the second when it is close."""
    if route is None or not route.top:
        return []
    best = route.top[0][1]
    return [code for code, p in route.top[:2] if p >= 0.5 * best]


def intake_help(*, user: Any, text: str, town: str | None = None, limit: int = 3) -> IntakeAssist:
    """KB answers and similar past appeals that concern the department the router would choose (the
    full-text match alone showed 高龄津贴 answers for a noise complaint): candidates from the search
    over the normalised text, kept when their department is among the router's best; KB articles of
    that department fill up the list when the search finds too few."""
    text = (text or "").strip()[: settings.SHUZHENG_APPEAL_MAX_TEXT]
    if not text:
        return IntakeAssist(articles=[], similar=[], rule=None, model_top=[])
    active = routing.active_dispatch_model()
    route = routing.route(active[1], text, town) if active else None
    query = normalise(text)
    departments = _relevant_departments(route)
    articles = kb_search(q=query, limit=HELP_CANDIDATES)
    similar = similar_appeals(user=user, text=query, limit=HELP_CANDIDATES)
    if departments:
        rank = {code: i for i, code in enumerate(departments)}
        articles = sorted(
            (a for a in articles if a.department is not None and a.department.code in rank),
            key=lambda a: rank[a.department.code] if a.department else 0,
        )
        if len(articles) < limit:
            seen = {a.pk for a in articles}
            articles += [a for a in kb_for_departments(codes=departments, limit=limit) if a.pk not in seen]
        similar = [a for a in similar if a.department is not None and a.department.code in rank]
    return IntakeAssist(
        articles=articles[:limit],
        similar=similar[:limit],
        rule=routing.routing_rule_match(text=text),
        model_top=route.top if route else [],
    )


def intake_assist(*, user: Any, text: str) -> IntakeAssist:
    """While the agent types: relevant KB answers and similar past appeals, the rule that would apply
    and the router's top-3 departments."""
    return intake_help(user=user, text=text, limit=5)


def intake_divisions() -> list[tuple[Division, list[Division]]]:
    """The city's active towns (镇街), each with its active villages (村居), in code order: the location
    picker of the portal and the grid report."""
    code = settings.SHUZHENG_APPEAL_CITY_DIVISION
    city = orgs_selectors.divisions_by_code([code]).get(code)
    if city is None:
        return []
    rows = [
        d
        for d in orgs_selectors.division_queryset(under=city.path).order_by("path")
        if d.level in (DivisionLevel.TOWN, DivisionLevel.VILLAGE)
    ]
    towns: list[tuple[Division, list[Division]]] = []
    villages: dict[str, list[Division]] = {}
    for division in rows:
        if division.level == DivisionLevel.TOWN:
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
