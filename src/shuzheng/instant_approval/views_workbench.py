"""The 秒批 workbench: rule sets per item version (edit, test on example inputs, activate, stop), the
automatic decisions with their explanation, the sampling review queue, confirm and revoke. Thin:
selectors to read, services to write; bad input re-renders the form with the message beside the field
and changes nothing."""

from __future__ import annotations

import json
from typing import Any, Final

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from shuzheng.catalog import selectors as catalog_selectors
from shuzheng.core import errors
from shuzheng.identity.page_access import staff_required
from shuzheng.instant_approval import facts, rules, selectors
from shuzheng.instant_approval.constants import VIEW_PERM, Outcome, ReviewState, RuleSetStatus
from shuzheng.instant_approval.forms_workbench import ReviewForm, RuleSetForm, RuleTestForm
from shuzheng.instant_approval.models import RuleSet
from shuzheng.instant_approval.services import decisions, rule_sets

PER_PAGE: Final = 30


# --- rule sets --------------------------------------------------------------------------------------


@require_GET
@staff_required
def rules_overview(request: HttpRequest) -> HttpResponse:
    """Item versions with 秒批 rules, and a search to start rules for another item."""
    q = (request.GET.get("q") or "").strip()[:64]
    rows = selectors.rule_versions(user=request.user)
    found = catalog_selectors.item_list(user=request.user, q=q, limit=20).items if q else []
    return render(request, "instant_approval/workbench/rules.html", {"rows": rows, "q": q, "found": found})


def _registry_fields(user: Any, codes: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, code in codes.items():
        try:
            entry = facts.registry_entry(user=user, code=code)
        except errors.ApplicationError:
            entry = None
        found[kind] = facts.registry_item_names(entry) if entry is not None else []
    return found


def _initial(rule_set: RuleSet | None) -> dict[str, Any]:
    if rule_set is None:
        return {"conditions": "[]"}
    return {
        "conditions": json.dumps(rule_set.conditions, ensure_ascii=False, indent=2),
        "person_registry": rule_set.registries.get("person", ""),
        "enterprise_registry": rule_set.registries.get("enterprise", ""),
        "reasons": rule_set.reasons,
        "legal_basis": rule_set.legal_basis,
        "note": rule_set.note,
    }


def _version_page(
    request: HttpRequest,
    version_id: int,
    *,
    form: RuleSetForm | None = None,
    test_form: RuleTestForm | None = None,
    tested: RuleSet | None = None,
    results: list[rules.ConditionResult] | None = None,
    status: int = 200,
) -> HttpResponse:
    version = selectors.version_for_rules(user=request.user, version_id=version_id)
    history = selectors.rule_sets_of(version.pk)
    active = next((r for r in history if r.status == RuleSetStatus.ACTIVE), None)
    draft = next((r for r in history if r.status == RuleSetStatus.DRAFT), None)
    current = draft or active
    can_edit = selectors.can_edit(request.user, version)
    if form is None and can_edit:
        form = RuleSetForm(initial=_initial(current), registries=facts.registry_choices(user=request.user))
    registries = _registry_fields(request.user, current.registries if current else {})
    context = {
        "version": version,
        "history": history,
        "active": active,
        "draft": draft,
        "current": current,
        "can_edit": can_edit,
        "form": form,
        "test_form": test_form or RuleTestForm(),
        "tested": tested,
        "results": results,
        "all_passed": rules.all_passed(results) if results is not None else None,
        "fields": facts.known_fields(schema=version.form_schema, registries=registries),
    }
    return render(request, "instant_approval/workbench/version.html", context, status=status)


@require_GET
@staff_required
def version_rules(request: HttpRequest, version_id: int) -> HttpResponse:
    return _version_page(request, version_id)


@require_POST
@staff_required
def rules_save(request: HttpRequest, version_id: int) -> HttpResponse:
    version = selectors.version_for_rules(user=request.user, version_id=version_id)
    form = RuleSetForm(request.POST, registries=facts.registry_choices(user=request.user))
    if form.is_valid():
        try:
            saved = rule_sets.rule_set_save(
                actor=request.user,
                version=version,
                conditions=form.cleaned_data["conditions"],
                reasons=form.cleaned_data["reasons"],
                legal_basis=form.cleaned_data["legal_basis"],
                registries=form.registries(),
                note=form.cleaned_data["note"],
            )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"规则草稿（第{saved.revision}版）已保存，测试无误后请启用。")
            return redirect("instant_approval:version", version_id=version.pk)
    return _version_page(request, version_id, form=form, status=422)


def _rule_set_action(request: HttpRequest, rule_set_id: int, action: str) -> HttpResponse:
    rule_set = selectors.rule_set_get(user=request.user, rule_set_id=rule_set_id)
    try:
        if action == "activate":
            rule_sets.rule_set_activate(actor=request.user, rule_set=rule_set)
            messages.success(request, f"第{rule_set.revision}版规则已启用：此后提交的办件按它自动审批。")
        else:
            rule_sets.rule_set_retire(actor=request.user, rule_set=rule_set)
            messages.success(request, "已停用：此后提交的办件不再自动审批。")
    except errors.Conflict as error:
        messages.error(request, error.detail)
    return redirect("instant_approval:version", version_id=rule_set.version_id)


@require_POST
@staff_required
def rules_activate(request: HttpRequest, rule_set_id: int) -> HttpResponse:
    return _rule_set_action(request, rule_set_id, "activate")


@require_POST
@staff_required
def rules_retire(request: HttpRequest, rule_set_id: int) -> HttpResponse:
    return _rule_set_action(request, rule_set_id, "retire")


@require_POST
@staff_required
def rules_test(request: HttpRequest, rule_set_id: int) -> HttpResponse:
    """Each condition's result on the example inputs; nothing is written."""
    rule_set = selectors.rule_set_get(user=request.user, rule_set_id=rule_set_id)
    form = RuleTestForm(request.POST)
    results = None
    if form.is_valid():
        try:
            results = rule_sets.rule_set_test(rule_set=rule_set, example=form.cleaned_data["example"])
        except errors.ValidationFailed as error:
            form.add_service_error(error)
    status = 200 if results is not None else 422
    return _version_page(
        request, rule_set.version_id, test_form=form, tested=rule_set, results=results, status=status
    )


# --- automatic decisions ----------------------------------------------------------------------------


@require_GET
@staff_required
def decision_list(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("outcome") or None
    review = request.GET.get("review") or None
    outcome = outcome if outcome in Outcome.values else None
    review = review if review in ReviewState.values else None
    page = selectors.decision_list(
        user=request.user,
        outcome=outcome,
        review=review,
        cursor=request.GET.get("cursor") or None,
        limit=PER_PAGE,
    )
    context = {
        "page": page,
        "outcome": outcome or "",
        "review": review or "",
        "outcomes": Outcome.choices,
        "reviews": ReviewState.choices,
        "paged": bool(request.GET.get("cursor")),
        "can_review": selectors.can_review(request.user),
    }
    return render(request, "instant_approval/workbench/decisions.html", context)


@require_GET
@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The sampling queue: drawn automatic approvals waiting for a reviewer."""
    page = selectors.review_queue(user=request.user, cursor=request.GET.get("cursor") or None, limit=PER_PAGE)
    return render(
        request,
        "instant_approval/workbench/review_queue.html",
        {"page": page, "paged": bool(request.GET.get("cursor"))},
    )


def _decision_page(request: HttpRequest, decision_id: int, form: ReviewForm | None = None) -> HttpResponse:
    decision = selectors.decision_get(user=request.user, decision_id=decision_id)
    reviewable = (
        selectors.can_review(request.user)
        and decision.outcome == Outcome.APPROVED
        and decision.review in (ReviewState.NOT_SAMPLED, ReviewState.PENDING)
    )
    context = {
        "decision": decision,
        "reviewable": reviewable,
        "form": form or ReviewForm(),
    }
    return render(
        request, "instant_approval/workbench/decision.html", context, status=422 if form is not None else 200
    )


@require_GET
@staff_required
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    return _decision_page(request, decision_id)


def _review(request: HttpRequest, decision_id: int, *, revoke: bool) -> HttpResponse:
    decision = selectors.decision_get(user=request.user, decision_id=decision_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            if revoke:
                decisions.decision_revoke(
                    actor=request.user, decision=decision, note=form.cleaned_data["note"]
                )
            else:
                decisions.decision_confirm(
                    actor=request.user, decision=decision, note=form.cleaned_data["note"]
                )
        except errors.ValidationFailed as error:
            form.add_service_error(error)
        except (errors.Conflict, errors.PermissionDenied) as error:
            form.add_error(None, error.detail)
        else:
            messages.success(
                request, "自动审批决定已撤销，办件转人工审查。" if revoke else "复核结论已记录。"
            )
            return redirect("instant_approval:decision", decision_id=decision.pk)
    return _decision_page(request, decision_id, form)


@require_POST
@staff_required
def decision_confirm(request: HttpRequest, decision_id: int) -> HttpResponse:
    return _review(request, decision_id, revoke=False)


@require_POST
@staff_required
def decision_revoke(request: HttpRequest, decision_id: int) -> HttpResponse:
    return _review(request, decision_id, revoke=True)


# --- the clerk's case page --------------------------------------------------------------------------


def case_panel(case: Any, user: Any) -> dict[str, Any] | None:
    """The 秒批 section of the clerk's case page (registered in cases.panels): for a referred case the
    conditions that failed or could not be decided, for an approved one every condition."""
    decision = selectors.decision_for_case(case.pk)
    if decision is None:
        return None
    approved = decision.outcome == Outcome.APPROVED
    shown = decision.results if approved else [r for r in decision.results if r.get("passed") is not True]
    link = reverse("instant_approval:decision", args=[decision.pk]) if user.has_perm(VIEW_PERM) else ""
    return {
        "template": "instant_approval/includes/case_panel.html",
        "decision": decision,
        "shown": shown,
        "link": link,
    }
