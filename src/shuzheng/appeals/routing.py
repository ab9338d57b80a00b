"""The reads dispatch decides with: routing rules, the active classifier and its suggestions, similar open
appeals (merge candidates) and the classifier's training set. Services and selectors both use them;
nothing here writes."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from shuzheng.appeals import classifier
from shuzheng.appeals.constants import AppealStatus, ArticleStatus, DispatchKind
from shuzheng.appeals.dispatching import duties
from shuzheng.appeals.dispatching.router import Route, Router, input_problem
from shuzheng.appeals.models import (
    Appeal,
    Category,
    DispatchCatalogueEntry,
    DispatchModel,
    KnowledgeArticle,
    RoutingRule,
    WorkOrder,
)
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department, Division

#: Appeals another may be merged into: not a grid event its worker may still handle on the spot.
MERGE_TARGET_STATUSES = (AppealStatus.PENDING_DISPATCH, AppealStatus.DISPATCHED)


# --- routing rules ------------------------------------------------------------------------------------


def _keywords(rule: RoutingRule) -> list[str]:
    return [k.strip() for k in re.split(r"[,，;；、\s]+", rule.keywords or "") if k.strip()]


def rule_matches(
    rule: RoutingRule,
    *,
    text: str,
    category: Category | None,
    division: Division | None,
    channel: str,
    appeal_type: str,
    is_enterprise: bool,
) -> bool:
    if rule.category is not None and (category is None or not category.path.startswith(rule.category.path)):
        return False
    if rule.division is not None and (division is None or not division.path.startswith(rule.division.path)):
        return False
    if rule.channel and rule.channel != channel:
        return False
    if rule.appeal_type and rule.appeal_type != appeal_type:
        return False
    if rule.enterprise is not None and rule.enterprise != is_enterprise:
        return False
    words = _keywords(rule)
    return not words or any(word in text for word in words)


def routing_rule_match(
    *,
    text: str,
    category: Category | None = None,
    division: Division | None = None,
    channel: str = "",
    appeal_type: str = "",
    is_enterprise: bool = False,
) -> RoutingRule | None:
    """The first active routing rule (by position) matching the example, or None."""
    rules = (
        RoutingRule.objects.filter(is_active=True, lead_department__is_active=True)
        .select_related("category", "division", "lead_department", "set_category")
        .order_by("position", "id")
    )
    for rule in rules:
        if rule_matches(
            rule,
            text=text,
            category=category,
            division=division,
            channel=channel,
            appeal_type=appeal_type,
            is_enterprise=is_enterprise,
        ):
            return rule
    return None


# --- the classifier -------------------------------------------------------------------------------------


def active_dispatch_model() -> tuple[DispatchModel, classifier.Bundle] | None:
    row = DispatchModel.objects.filter(is_active=True).first()
    if row is None:
        return None
    bundle = classifier.load(row.version, row.file_path)
    return (row, bundle) if bundle is not None else None


def route(bundle: classifier.Bundle, text: str, town: str | None = None) -> Route:
    """The router's decision for ``text`` in ``town`` (a town name or code, a village code); a model
    trained before the router existed decides by its top probability and the configured threshold."""
    if isinstance(bundle, Router):
        return bundle.route(text, town)
    prediction = bundle.predict(text)
    problem = input_problem(text)
    low = prediction.probability < settings.SHUZHENG_DISPATCH_CONFIDENCE
    return Route(
        department=prediction.department,
        probability=prediction.probability,
        top=prediction.top,
        automatic=not problem and not low,
        reason=problem or ("置信度低" if low else ""),
        label=prediction.department,
        category=prediction.category,
        category_probability=prediction.category_probability,
    )


def town_of(division: Division | None) -> str | None:
    """The town code of a division at or below town level (None for the city or above)."""
    return duties.town_code(division.code) if division is not None else None


def top_departments(prediction: classifier.Prediction | Route) -> dict[str, Department]:
    """The active departments among the prediction's top-3 codes (one query), by code."""
    return orgs_selectors.active_departments_by_code([code for code, _ in prediction.top])


def suggestions(
    prediction: classifier.Prediction | Route, departments: dict[str, Department]
) -> list[dict[str, Any]]:
    return [
        {
            "department_id": departments[code].pk,
            "department_code": code,
            "department": departments[code].name,
            "probability": round(p, 4),
        }
        for code, p in prediction.top
        if code in departments
    ]


def training_data(
    limit: int | None = None,
) -> tuple[list[str], list[str], list[str | None], list[str | None]]:
    """Texts, final departments, categories and town codes of closed appeals (newest first, up to
    ``limit``)."""
    qs = (
        Appeal.objects.filter(status=AppealStatus.CLOSED, department__isnull=False)
        .order_by("-received_at", "-id")
        .values_list("title", "text", "department__code", "category__code", "division__code")
    )
    if limit:
        qs = qs[:limit]
    texts: list[str] = []
    departments: list[str] = []
    categories: list[str | None] = []
    towns: list[str | None] = []
    for title, text, department, category, division in qs.iterator(chunk_size=5000):
        texts.append(f"{title} {text}".strip())
        departments.append(department)
        categories.append(category)
        towns.append(duties.town_code(division))
    return texts, departments, categories, towns


def local_categories() -> dict[str, str]:
    """Town-local categories (the catalogue sends them to town governments outside the urban street),
    each with the city department answering it at city level."""
    rows = DispatchCatalogueEntry.objects.filter(is_active=True).values_list(
        "category__code", "division__code", "department__code"
    )
    city: dict[str, str] = {}
    local: set[str] = set()
    for category, division, department in rows:
        if division == duties.area().city:
            city[category] = department
        elif duties.is_town_government(department):
            local.add(category)
    return {c: city[c] for c in local if c in city}


def category_labels(local: dict[str, str]) -> dict[str, str]:
    """The router label of each category with a city-level catalogue entry."""
    city = duties.area().city
    rows = DispatchCatalogueEntry.objects.filter(is_active=True, division__code=city).values_list(
        "category__code", "department__code"
    )
    return {c: (f"{local[c]}{duties.LOCAL}" if c in local else d) for c, d in rows}


def knowledge_texts(labels: dict[str, str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, label) of published KB articles (question and keywords, labelled by the article's
    department, else its category) and of active categories (name, description, keywords)."""
    kb: list[tuple[str, str]] = []
    articles = KnowledgeArticle.objects.filter(status=ArticleStatus.PUBLISHED).values_list(
        "question", "keywords", "department__code", "category__code"
    )
    for question, keywords, department, category in articles:
        label = labels.get(category or "") or department
        if label:
            kb.append((f"{question} {keywords}", label))
    cats = [
        (f"{name} {description} {keywords}", labels[code])
        for code, name, description, keywords in Category.objects.filter(is_active=True).values_list(
            "code", "name", "description", "keywords"
        )
        if code in labels
    ]
    return kb, cats


def dispatch_corrections(*, limit: int = 5000) -> list[tuple[str, str, str | None, str]]:
    """Dispatchers' decisions as labelled examples, newest first: every manually dispatched work order,
    and every one reassigned (改派, or an accepted 退单), labelled with the department now leading it.
    (text, department code, town code, ISO time of dispatch)."""
    qs = (
        WorkOrder.objects.filter(
            models.Q(dispatch_kind=DispatchKind.MANUAL) | models.Q(reassign_count__gt=0),
            lead_department__is_active=True,
        )
        .order_by("-dispatched_at", "-id")
        .values_list(
            "appeal__title",
            "appeal__text",
            "lead_department__code",
            "appeal__division__code",
            "dispatched_at",
        )[:limit]
    )
    return [
        (f"{title} {text}".strip(), department, duties.town_code(division), at.isoformat())
        for title, text, department, division, at in qs
    ]


def category_keywords() -> dict[str, list[str]]:
    """Each category's keywords (the classifier's prior), by category code."""
    return {
        code: [k.strip() for k in re.split(r"[,，]", words) if k.strip()]
        for code, words in Category.objects.exclude(keywords="").values_list("code", "keywords")
    }


# --- similar open appeals (并单 candidates) ----------------------------------------------------------------


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in pairwise(chars)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (0–1); cheap and good enough for near-duplicates."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def merge_candidates(*, appeal: Appeal, limit: int = 5) -> list[dict[str, Any]]:
    """Open appeals worth merging with ``appeal``: same category, same village or within the radius,
    similar text, received within the window. SQL prefilters (category, status, time, village or
    coordinate box); distance and text similarity are computed here."""
    if appeal.category_id is None:
        return []
    radius = settings.SHUZHENG_APPEAL_MERGE_RADIUS_M
    since = appeal.received_at - timedelta(days=settings.SHUZHENG_APPEAL_MERGE_DAYS)
    qs = Appeal.objects.filter(
        category_id=appeal.category_id,
        status__in=MERGE_TARGET_STATUSES,
        received_at__gte=since,
        merged_into__isnull=True,
        is_historical=False,
    ).exclude(pk=appeal.pk)
    same_village = place = qs.filter(division_id=appeal.division_id)
    if appeal.latitude is not None and appeal.longitude is not None:
        dlat = Decimal(str(radius / 111_000))
        dlng = Decimal(str(radius / (111_000 * max(math.cos(math.radians(float(appeal.latitude))), 0.1))))
        near = qs.filter(
            latitude__range=(appeal.latitude - dlat, appeal.latitude + dlat),
            longitude__range=(appeal.longitude - dlng, appeal.longitude + dlng),
        )
        place = same_village | near
    threshold = settings.SHUZHENG_APPEAL_MERGE_SIMILARITY
    found: list[dict[str, Any]] = []
    # Only the columns used below: loading whole rows would decrypt every candidate's reporter data.
    columns = ("id", "number", "text", "latitude", "longitude", "division_id", "work_order_id")
    for other in place.only(*columns).order_by("-received_at")[:200]:
        distance: float | None = None
        lat1, lng1, lat2, lng2 = appeal.latitude, appeal.longitude, other.latitude, other.longitude
        if lat1 is not None and lng1 is not None and lat2 is not None and lng2 is not None:
            distance = haversine_m(float(lat1), float(lng1), float(lat2), float(lng2))
        in_village = other.division_id == appeal.division_id
        if not in_village and (distance is None or distance > radius):
            continue
        similarity = text_similarity(appeal.text, other.text)
        if similarity < threshold:
            continue
        found.append(
            {
                "appeal_id": other.pk,
                "number": other.number,
                "similarity": round(similarity, 3),
                "distance_m": round(distance) if distance is not None else None,
                "same_village": in_village,
                "work_order_id": other.work_order_id,
            }
        )
    found.sort(key=lambda c: -c["similarity"])
    return found[:limit]
