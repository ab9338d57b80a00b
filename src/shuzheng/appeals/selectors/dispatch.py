"""Dispatch configuration: categories, the dispatch catalogue, routing rules (规则测试), the classifier
models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shuzheng.appeals import routing
from shuzheng.appeals.models import Category, DispatchModel, RoutingRule
from shuzheng.core.errors import NotFound
from shuzheng.orgs import selectors as orgs_selectors

if TYPE_CHECKING:
    from shuzheng.orgs.models import Department, Division


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
    rule = routing.routing_rule_match(
        text=text,
        category=category,
        division=division,
        channel=channel,
        appeal_type=appeal_type,
        is_enterprise=is_enterprise,
    )
    catalogue = catalogue_department(category=category, division=division) if category and division else None
    active = routing.active_dispatch_model()
    prediction = routing.route(active[1], text, routing.town_of(division)) if active is not None else None
    return RuleTest(
        rule=rule,
        department=rule.lead_department if rule else None,
        catalogue_department=catalogue,
        model_version=active[0].version if active else None,
        model_department=prediction.department if prediction else None,
        model_probability=prediction.probability if prediction else None,
        model_top=prediction.top if prediction else [],
        model_category=prediction.category if prediction else None,
        would_auto_dispatch=rule is not None or bool(prediction and prediction.automatic),
    )


def dispatch_model_active() -> DispatchModel | None:
    return DispatchModel.objects.filter(is_active=True).first()


def dispatch_model_list() -> list[DispatchModel]:
    return list(DispatchModel.objects.order_by("-trained_at", "-id")[:50])


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


def department_picker_labels() -> list[str]:
    """ "名称（编码）" of the active departments in tree order: the options of the searchable pickers."""
    rows = orgs_selectors.department_queryset().order_by("path").values_list("name", "code")
    return [f"{name}（{code}）" for name, code in rows]
