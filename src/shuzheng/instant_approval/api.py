"""/api/v1/instant-approval/...: 秒批 — rule sets (read, and tested on example inputs without writes) and
the automatic decisions with their explanation, for staff in scope. Thin: one selector or service each."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import django_auth

from shuzheng.core.pagination import DEFAULT_LIMIT, page_out
from shuzheng.core.schemas import PageLimit
from shuzheng.instant_approval import rules, selectors
from shuzheng.instant_approval.constants import Outcome, ReviewState, RuleSetStatus
from shuzheng.instant_approval.models import AutomaticDecision, RuleSet
from shuzheng.instant_approval.schemas import (
    DecisionDetailOut,
    DecisionPage,
    RuleSetOut,
    RuleSetTestIn,
    RuleSetTestOut,
)
from shuzheng.instant_approval.services import rule_sets

router = Router(tags=["秒批"], auth=django_auth)


def rule_set_out(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "id": rule_set.pk,
        "version_id": rule_set.version_id,
        "item_code": rule_set.version.code,
        "item_name": rule_set.version.name,
        "revision": rule_set.revision,
        "status": rule_set.status,
        "status_label": RuleSetStatus(rule_set.status).label,
        "conditions": rule_set.conditions,
        "registries": rule_set.registries,
        "reasons": rule_set.reasons,
        "legal_basis": rule_set.legal_basis,
        "activated_at": rule_set.activated_at,
    }


def decision_out(decision: AutomaticDecision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "case_id": decision.case_id,
        "case_number": decision.case.number,
        "item_name": decision.rule_set.version.name,
        "department_name": decision.department.name,
        "outcome": decision.outcome,
        "outcome_label": Outcome(decision.outcome).label,
        "rule_set_id": decision.rule_set_id,
        "rule_revision": decision.rule_set.revision,
        "decided_at": decision.decided_at,
        "elapsed_ms": decision.elapsed_ms,
        "review": decision.review,
        "review_label": ReviewState(decision.review).label,
    }


def decision_detail_out(decision: AutomaticDecision) -> dict[str, Any]:
    return {
        **decision_out(decision),
        "inputs": decision.inputs,
        "results": decision.results,
        "problems": decision.problems,
        "reviewed_at": decision.reviewed_at,
        "review_note": decision.review_note,
    }


@router.get("/rules", response=list[RuleSetOut], summary="某事项版本的秒批规则（各修订）")
def list_rules(request: HttpRequest, version_id: int) -> list[dict[str, Any]]:
    version = selectors.version_for_rules(user=request.user, version_id=version_id)
    return [rule_set_out(r) for r in selectors.rule_sets_of(version.pk)]


@router.get("/rules/{int:rule_set_id}", response=RuleSetOut, summary="秒批规则详情")
def get_rules(request: HttpRequest, rule_set_id: int) -> dict[str, Any]:
    return rule_set_out(selectors.rule_set_get(user=request.user, rule_set_id=rule_set_id))


@router.post(
    "/rules/{int:rule_set_id}/test", response=RuleSetTestOut, summary="用示例输入测试规则（不写入任何数据）"
)
def test_rules(request: HttpRequest, rule_set_id: int, payload: RuleSetTestIn) -> dict[str, Any]:
    rule_set = selectors.rule_set_get(user=request.user, rule_set_id=rule_set_id)
    results = rule_sets.rule_set_test(rule_set=rule_set, example=payload.example)
    return {"all_passed": rules.all_passed(results), "results": [r.as_dict() for r in results]}


@router.get("/decisions", response=DecisionPage, summary="自动审批判定列表（本人数据范围）")
def list_decisions(
    request: HttpRequest,
    outcome: Outcome | None = None,
    review: ReviewState | None = None,
    cursor: str | None = None,
    limit: PageLimit = DEFAULT_LIMIT,
) -> dict[str, Any]:
    page = selectors.decision_list(
        user=request.user, outcome=outcome, review=review, cursor=cursor, limit=limit
    )
    return {**page_out(page), "items": [decision_out(d) for d in page.items]}


@router.get(
    "/decisions/{int:decision_id}", response=DecisionDetailOut, summary="自动审批判定详情（含各条件结果）"
)
def get_decision(request: HttpRequest, decision_id: int) -> dict[str, Any]:
    return decision_detail_out(selectors.decision_get(user=request.user, decision_id=decision_id))
