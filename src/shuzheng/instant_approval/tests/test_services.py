"""Rule sets saved, activated and tested; cases decided after submission; automatic approvals reviewed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case, CaseStatusChange
from shuzheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.datahub.models import AccessLog, Grant
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.instant_approval import selectors
from shuzheng.instant_approval.constants import Outcome, ReviewState, RuleSetStatus
from shuzheng.instant_approval.models import AutomaticDecision
from shuzheng.instant_approval.services import decisions, rule_sets
from shuzheng.instant_approval.tests.conftest import AGE_80, EDIT, REASON, Setup

pytestmark = pytest.mark.django_db


def _submit(setup: Setup, capture: Any, **overrides: Any) -> Case:
    with capture(execute=True):
        case = setup.world.submit(**overrides)
    case.refresh_from_db()
    return case


# --- rule sets --------------------------------------------------------------------------------------


def test_saving_refuses_unknown_fields_naming_them_and_changes_nothing(setup: Setup) -> None:
    bad = [{"label": "甲", "logic": {"and": [{"var": "form.nope"}, {"var": "registry.person.full_name"}]}}]
    with pytest.raises(ValidationFailed) as caught:
        setup.rules(bad, activate=False)
    assert "form.nope" in caught.value.detail
    assert "registry.person.full_name" in caught.value.detail  # masked in the registry: not offered
    assert not selectors.rule_sets_of(setup.world.version.pk)


def test_saving_refuses_a_registry_outside_the_hub_and_a_missing_reason(setup: Setup) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rule_sets.rule_set_save(
            actor=setup.editor,
            version=setup.world.version,
            conditions=[REASON],
            reasons="",
            registries={"person": "NOPE/A00-0001", "alien": "x"},
        )
    fields = {e["field"] for e in caught.value.errors}
    assert {"registries.person", "registries.alien", "reasons"} <= fields


def test_editing_needs_the_permission_over_the_department(setup: Setup) -> None:
    outsider = staff(setup.world.org.other_bureau)
    grant(outsider, EDIT)
    with pytest.raises(PermissionDenied):
        rule_sets.rule_set_save(
            actor=outsider, version=setup.world.version, conditions=[REASON], reasons="理由"
        )


def test_revisions_activate_and_retire(setup: Setup) -> None:
    first = setup.rules()
    assert (first.revision, first.status) == (1, RuleSetStatus.ACTIVE)
    second = setup.rules([REASON], activate=False)
    assert (second.revision, second.status) == (2, RuleSetStatus.DRAFT)
    again = setup.rules([AGE_80], activate=False)
    assert again.pk == second.pk  # the open draft is edited
    rule_sets.rule_set_activate(actor=setup.editor, rule_set=second)
    first.refresh_from_db()
    assert first.status == RuleSetStatus.RETIRED
    assert selectors.active_rule_set(setup.world.version.pk) == second
    with pytest.raises(Conflict):
        rule_sets.rule_set_activate(actor=setup.editor, rule_set=second)
    rule_sets.rule_set_retire(actor=setup.editor, rule_set=second)
    assert selectors.active_rule_set(setup.world.version.pk) is None
    assert AuditEvent.objects.filter(action__startswith="instant_approval.ruleset.").count() == 6


def test_testing_shows_each_condition_and_writes_nothing(setup: Setup) -> None:
    rule_set = setup.rules(activate=False)
    events = AuditEvent.objects.count()
    results = rule_sets.rule_set_test(
        rule_set=rule_set, example={"registry": {"person": {"birth_date": "1930-01-01"}}, "form": {}}
    )
    assert [(r.code, r.passed, r.missing) for r in results] == [
        ("age", True, []),
        ("reason", None, ["form.reason"]),
    ]
    assert AuditEvent.objects.count() == events
    with pytest.raises(ValidationFailed):
        rule_sets.rule_set_test(rule_set=rule_set, example="{oops")
    with pytest.raises(ValidationFailed):
        rule_sets.rule_set_test(rule_set=rule_set, example=[1])


# --- deciding ---------------------------------------------------------------------------------------


def test_every_condition_holds_the_case_is_decided_at_once(setup: Setup, commit: Any) -> None:
    rule_set = setup.rules()
    case = _submit(setup, commit)
    assert case.status == CaseStatus.CONCLUDED
    assert case.decided_by is None
    decision = AutomaticDecision.objects.get(case=case)
    assert (decision.outcome, decision.rule_set_id) == (Outcome.APPROVED, rule_set.pk)
    assert [r["passed"] for r in decision.results] == [True, True]
    assert decision.inputs["registry.person.age"] >= 80
    assert decision.inputs["form.reason"] == "申请办理测试事项"
    log = AccessLog.objects.get(channel=AccessLog.Channel.REGISTRY)
    assert "秒批" in log.purpose
    approve = CaseStatusChange.objects.get(case=case, action="approve")
    assert approve.data["basis"]["rule_set"] == rule_set.pk
    assert AuditEvent.objects.filter(action="instant_approval.decision.approve").exists()


def test_a_failed_condition_leaves_the_case_with_the_clerks(setup: Setup, commit: Any) -> None:
    setup.rules([{**AGE_80, "logic": {">=": [{"var": "registry.person.age"}, 90]}}, REASON])
    case = _submit(setup, commit)
    assert case.status == CaseStatus.SUBMITTED
    decision = AutomaticDecision.objects.get(case=case)
    assert decision.outcome == Outcome.REFERRED
    assert [(r["code"], r["passed"]) for r in decision.results] == [("age", False), ("reason", True)]


def test_missing_registry_record_and_no_grant_are_listed(setup: Setup, commit: Any) -> None:
    setup.rules()
    Grant.objects.update(revoked_at="2020-01-01T00:00:00Z")
    case = _submit(setup, commit)
    decision = AutomaticDecision.objects.get(case=case)
    assert case.status == CaseStatus.SUBMITTED
    assert decision.outcome == Outcome.REFERRED
    assert "共享授权" in decision.problems[0]
    assert decision.results[0]["missing"] == ["registry.person.age"]


def test_someone_not_in_the_registry_is_referred(setup: Setup, commit: Any) -> None:
    setup.rules()
    case = _submit(setup, commit, actor=setup.world.agent)
    decision = AutomaticDecision.objects.get(case=case)
    assert decision.outcome == Outcome.REFERRED
    assert any("没有申请人的记录" in p for p in decision.problems)


def test_deferred_materials_keep_the_case_with_the_clerks(setup: Setup, commit: Any) -> None:
    from shuzheng.cases.services.common import MaterialData

    setup.rules()
    materials = [setup.world.materials()[0], MaterialData(code="M002", deferred=True)]
    case = _submit(setup, commit, materials=materials)
    decision = AutomaticDecision.objects.get(case=case)
    assert (case.status, decision.outcome) == (CaseStatus.SUBMITTED, Outcome.REFERRED)
    assert any("容缺" in p for p in decision.problems)


def test_no_active_rules_means_no_decision(setup: Setup, commit: Any) -> None:
    setup.rules(activate=False)
    case = _submit(setup, commit)
    assert case.status == CaseStatus.SUBMITTED
    assert not AutomaticDecision.objects.exists()
    assert decisions.decide_submitted_case(case.pk) is None


def test_deciding_twice_keeps_the_first(setup: Setup, commit: Any) -> None:
    setup.rules()
    case = _submit(setup, commit)
    assert decisions.decide_submitted_case(case.pk) is None  # concluded: nothing to decide
    assert AutomaticDecision.objects.count() == 1


# --- review -----------------------------------------------------------------------------------------


@override_settings(INSTANT_APPROVAL_REVIEW_SHARE=1.0)
def test_sampled_approvals_are_queued_and_confirmed(setup: Setup, commit: Any) -> None:
    setup.rules()
    case = _submit(setup, commit)
    decision = AutomaticDecision.objects.get(case=case)
    assert decision.review == ReviewState.PENDING
    assert list(selectors.review_queue(user=setup.reviewer).items) == [decision]
    confirmed = decisions.decision_confirm(actor=setup.reviewer, decision=decision, note="核对无误")
    assert confirmed.review == ReviewState.CONFIRMED
    assert not selectors.review_queue(user=setup.reviewer).items
    with pytest.raises(Conflict):
        decisions.decision_revoke(actor=setup.reviewer, decision=decision, note="再撤销")


def test_the_draw_follows_the_share() -> None:
    numbers = [f"EP-2026-{n:06d}" for n in range(2000)]
    drawn = sum(decisions.sampled(n, 0.2) for n in numbers)
    assert 300 < drawn < 500
    assert not any(decisions.sampled(n, 0.0) for n in numbers)
    assert all(decisions.sampled(n, 1.0) for n in numbers)


def test_revoking_sends_the_case_back_with_reasons(setup: Setup, commit: Any) -> None:
    setup.rules()
    case = _submit(setup, commit)
    decision = AutomaticDecision.objects.get(case=case)
    with pytest.raises(ValidationFailed):
        decisions.decision_revoke(actor=setup.reviewer, decision=decision, note="")
    with pytest.raises(PermissionDenied):
        decisions.decision_revoke(actor=setup.world.approver, decision=decision, note="理由")
    revoked = decisions.decision_revoke(actor=setup.reviewer, decision=decision, note="户籍核查不符")
    case.refresh_from_db()
    assert (revoked.review, case.status, case.decision) == (ReviewState.REVOKED, CaseStatus.UNDER_REVIEW, "")
    assert AuditEvent.objects.filter(action="instant_approval.decision.revoke").exists()


def test_a_reviewer_of_another_department_sees_nothing(setup: Setup, commit: Any) -> None:
    from shuzheng.instant_approval.tests.conftest import REVIEW

    setup.rules()
    case = _submit(setup, commit)
    decision = AutomaticDecision.objects.get(case=case)
    other = staff(setup.world.org.other_bureau)
    grant(other, REVIEW)
    assert not selectors.decision_list(user=other).items
    with pytest.raises(NotFound):
        decisions.decision_revoke(actor=other, decision=decision, note="越权")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CONCLUDED
