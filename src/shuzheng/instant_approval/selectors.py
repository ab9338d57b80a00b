"""Reads of the 秒批 context, each checked against the caller's permission and data scope: rule sets by
the item version's department (and the catalog scope), automatic decisions by the case's department."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from django.db.models import Q, QuerySet

from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core.errors import AuthenticationRequired, NotFound, PermissionDenied, ValidationFailed
from shuzheng.core.pagination import DEFAULT_LIMIT, Page, keyset_page
from shuzheng.identity.scopes import data_scope_for
from shuzheng.instant_approval.constants import (
    EDIT_PERM,
    REVIEW_PERM,
    VIEW_PERM,
    Outcome,
    ReviewState,
    RuleSetStatus,
)
from shuzheng.instant_approval.models import AutomaticDecision, RuleSet

if TYPE_CHECKING:
    from shuzheng.catalog.models import ServiceItemVersion

RULES_VIEW: Final = "instant_approval.view_ruleset"
DECISION_ORDER: Final = ("-decided_at", "-id")
NOT_FOUND_DECISION: Final = "自动审批判定不存在或不在您的数据范围内。"


def _require(user: Any, permission: str, what: str) -> None:
    if not getattr(user, "is_authenticated", False):
        raise AuthenticationRequired()
    if not user.has_perm(permission):
        raise PermissionDenied(f"没有{what}的权限（{permission}）。")


def can_edit(user: Any, version: ServiceItemVersion) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_perm(EDIT_PERM)
        and data_scope_for(user, EDIT_PERM).covers_department(version.department)
    )


# --- rule sets --------------------------------------------------------------------------------------


def rule_versions(*, user: Any, q: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Item versions with rule sets (newest revision first) in the user's view, for the rules overview."""
    _require(user, RULES_VIEW, "查看秒批规则")
    scope = data_scope_for(user, RULES_VIEW)
    qs = scope.filter(RuleSet.objects.select_related("version"), department="version__department")
    text = (q or "").strip()[:64]
    if text:
        qs = qs.filter(Q(version__name__icontains=text) | Q(version__code__istartswith=text))
    rows: dict[int, dict[str, Any]] = {}
    for rule_set in qs.order_by("version__code", "version_id", "-revision")[: limit * 5]:
        row = rows.setdefault(
            rule_set.version_id, {"version": rule_set.version, "active": None, "draft": None}
        )
        if rule_set.status == RuleSetStatus.ACTIVE:
            row["active"] = rule_set
        elif rule_set.status == RuleSetStatus.DRAFT:
            row["draft"] = rule_set
    return list(rows.values())[:limit]


def version_for_rules(*, user: Any, version_id: int) -> ServiceItemVersion:
    """The item version whose rules the user may see: one with rules, in the user's scope for them; one
    without rules yet, in the user's catalog scope (an editor starting them). NotFound otherwise."""
    _require(user, RULES_VIEW, "查看秒批规则")
    known = RuleSet.objects.select_related("version__department").filter(version_id=version_id).first()
    if known is None:
        return catalog_selectors.version_get(user=user, id=version_id)
    if not data_scope_for(user, RULES_VIEW).covers_department(known.version.department):
        raise NotFound("事项版本不存在或不在您的数据范围内。")
    return known.version


def rule_sets_of(version_id: int) -> list[RuleSet]:
    return list(RuleSet.objects.filter(version_id=version_id).select_related("created_by", "activated_by"))


def rule_set_get(*, user: Any, rule_set_id: int) -> RuleSet:
    """One rule set whose item version's department lies in the user's scope (NotFound otherwise)."""
    _require(user, RULES_VIEW, "查看秒批规则")
    rule_set = RuleSet.objects.select_related("version__department").filter(pk=rule_set_id).first()
    scope = data_scope_for(user, RULES_VIEW)
    if rule_set is None or not scope.covers_department(rule_set.version.department):
        raise NotFound("秒批规则不存在或不在您的数据范围内。")
    return rule_set


def active_rule_set(version_id: int) -> RuleSet | None:
    """The rule set cases of this version are decided by now, if any (the platform's read)."""
    return RuleSet.objects.filter(version_id=version_id, status=RuleSetStatus.ACTIVE).first()


# --- automatic decisions ----------------------------------------------------------------------------


def _decisions(user: Any, permission: str = VIEW_PERM) -> QuerySet[AutomaticDecision]:
    _require(user, permission, "查看秒批判定")
    scope = data_scope_for(user, permission)
    return scope.filter(
        AutomaticDecision.objects.select_related("case", "rule_set__version", "department", "reviewed_by"),
        department="department",
    )


def decision_list(
    *,
    user: Any,
    outcome: str | None = None,
    review: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AutomaticDecision]:
    """Automatic decisions in the user's scope, newest first; ``outcome`` and ``review`` filter."""
    qs = _decisions(user)
    if outcome:
        if outcome not in Outcome.values:
            raise ValidationFailed.for_field("outcome", "结果应为 approved 或 referred")
        qs = qs.filter(outcome=outcome)
    if review:
        if review not in ReviewState.values:
            raise ValidationFailed.for_field(
                "review", "复核状态应为 not_sampled、pending、confirmed 或 revoked"
            )
        qs = qs.filter(review=review)
    return keyset_page(qs, order=DECISION_ORDER, cursor=cursor, limit=limit)


def review_queue(
    *, user: Any, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[AutomaticDecision]:
    """The sampled automatic approvals waiting for the reviewer, oldest decision first to be fair."""
    qs = _decisions(user, REVIEW_PERM).filter(review=ReviewState.PENDING)
    return keyset_page(qs, order=("decided_at", "id"), cursor=cursor, limit=limit)


def decision_get(*, user: Any, decision_id: int) -> AutomaticDecision:
    found = _decisions(user).filter(pk=decision_id).first()
    if found is None:
        raise NotFound(NOT_FOUND_DECISION)
    return found


def decision_for_case(case_id: int) -> AutomaticDecision | None:
    """The decision of a case the caller already may see (the clerk's case page checked it)."""
    return AutomaticDecision.objects.select_related("rule_set").filter(case_id=case_id).first()


def can_review(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(REVIEW_PERM))
