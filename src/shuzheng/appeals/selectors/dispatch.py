"""Dispatch configuration: categories, the dispatch catalogue, routing rules (规则测试), the classifier
models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shuzheng.appeals import routing
from shuzheng.appeals.dispatching import duties
from shuzheng.appeals.models import Category, DispatchModel, RoutingRule
from shuzheng.core.errors import NotFound, ValidationFailed
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


def dispatch_preview(*, text: str, town: str | None = None) -> dict[str, Any]:
    """What dispatch would do with ``text`` in ``town`` (nothing is written): the router's department,
    whether it would go automatically, the reason it would not, the top-3 and assisting departments.
    Only departments that exist and are active are named; others are left out of the top-3."""
    town_code = duties.town_code(town) if town else None
    if town and town_code is None:
        raise ValidationFailed.for_field("town", f"镇街“{town}”不存在")
    active = routing.active_dispatch_model()
    if active is None:
        return {
            "department_code": None,
            "department": None,
            "probability": 0.0,
            "automatic": False,
            "reason": "暂无启用中的派单模型",
            "top": [],
            "assisting": [],
            "model_version": None,
        }
    route = routing.route(active[1], text, town_code)
    known = orgs_selectors.active_departments_by_code([c for c, _ in route.top] + route.assisting)

    def candidate(code: str, probability: float) -> dict[str, Any]:
        return {"department_code": code, "department": known[code].name, "probability": probability}

    lead = known.get(route.department or "")
    reason = route.reason or ("" if lead is not None else "建议部门不在组织机构中")
    return {
        "department_code": lead.code if lead else None,
        "department": lead.name if lead else None,
        "probability": route.probability,
        "automatic": route.automatic and lead is not None,
        "reason": reason,
        "top": [candidate(c, p) for c, p in route.top if c in known],
        "assisting": [candidate(c, dict(route.top).get(c, 0.0)) for c in route.assisting if c in known],
        "model_version": active[0].version,
    }


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
