"""秒批 in the cases context: the platform's one-transaction decision and revoking it."""

from __future__ import annotations

from typing import Any

import pytest

from shuzheng.cases.access import offered_actions
from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case, CaseStatusChange
from shuzheng.cases.services.automatic import case_decide_automatically
from shuzheng.cases.services.common import MaterialData
from shuzheng.cases.signals import case_status_changed
from shuzheng.cases.tests.conftest import World
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.core.models import Notification
from shuzheng.identity.models import AuditEvent

S = CaseStatus
BASIS = {"rule_set": 1, "results": [{"code": "age", "passed": True}]}


def _decide(case: Case, **overrides: object) -> Case:
    data: dict[str, object] = {
        "actor": SYSTEM,
        "case": case,
        "expected_version": case.lock_version,
        "reasons": "符合全部条件",
        "legal_basis": "《测试条例》",
        "basis": BASIS,
    }
    data.update(overrides)
    return case_decide_automatically(**data)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_platform_decides_in_one_go_with_history_audit_notices_and_signals(world: World) -> None:
    case = world.submit()
    heard: list[tuple[str, object]] = []

    def receiver(sender: object, *, action: str, actor: object, **kwargs: object) -> None:
        heard.append((action, actor))

    case_status_changed.connect(receiver, dispatch_uid="test.automatic")
    try:
        decided = _decide(case)
    finally:
        case_status_changed.disconnect(dispatch_uid="test.automatic")
    assert decided.status == S.CONCLUDED
    assert (decided.decision, decided.decided_by, decided.delivery_method) == ("approved", None, "electronic")
    assert decided.accepted_at
    assert decided.concluded_at
    assert decided.due_at
    rows = list(CaseStatusChange.objects.filter(case=case).order_by("id"))
    assert [r.action for r in rows] == ["submit", "accept", "start_review", "approve", "deliver", "conclude"]
    assert all(r.actor is None and r.data["automatic"] for r in rows[1:])
    assert rows[3].data["basis"] == BASIS
    assert [a for a, _ in heard] == ["accept", "start_review", "approve", "deliver", "conclude"]
    assert all(actor is SYSTEM for _, actor in heard)
    events = AuditEvent.objects.filter(subject_id=str(case.pk), action__startswith="cases.case.")
    assert events.filter(actor__isnull=True).count() == 5
    kinds = set(Notification.objects.filter(recipient=world.citizen).values_list("kind", flat=True))
    assert {"case.approved", "case.concluded"} <= kinds


@pytest.mark.django_db
def test_only_the_platform_only_a_submitted_case_and_bad_input_change_nothing(world: World) -> None:
    case = world.submit()
    with pytest.raises(PermissionDenied):
        _decide(case, actor=world.approver)
    with pytest.raises(ValidationFailed):
        _decide(case, reasons="")
    with pytest.raises(ValidationFailed):
        _decide(case, reasons="含\x00空字符")
    with pytest.raises(Conflict):
        _decide(case, expected_version=case.lock_version + 1)
    accepted = world.move(case, "accept")
    with pytest.raises(Conflict) as caught:
        _decide(accepted)
    assert caught.value.code == "transition_not_allowed"
    deferred = world.submit(materials=[world.materials()[0], MaterialData(code="M002", deferred=True)])
    with pytest.raises(Conflict) as caught:
        _decide(deferred)
    assert caught.value.code == "deferred_materials"
    assert Case.objects.get(pk=deferred.pk).status == S.SUBMITTED
    assert not CaseStatusChange.objects.filter(case=deferred).exclude(action="submit").exists()


@pytest.mark.django_db
def test_revoking_reopens_review_at_the_decision_step_for_a_person(world: World) -> None:
    case = _decide(world.submit())
    assert "revoke_decision" in offered_actions(world.approver, case)
    with pytest.raises(ValidationFailed):
        world.move(case, "revoke_decision", reason="")
    revoked = world.move(case, "revoke_decision", reason="抽查发现申请人不符合条件")
    assert revoked.status == S.UNDER_REVIEW
    assert (revoked.decision, revoked.decided_at, revoked.concluded_at, revoked.delivered_at) == (
        "",
        None,
        None,
        None,
    )
    assert revoked.current_step == world.steps[-1]
    change = CaseStatusChange.objects.filter(case=case).order_by("-id").first()
    assert change is not None
    assert change.actor == world.approver
    assert change.note == "抽查发现申请人不符合条件"
    assert Notification.objects.filter(recipient=world.citizen, kind="case.decision_revoked").exists()
    decided = world.move(revoked, "refuse", reasons="不符合条件", legal_basis="《测试条例》第二条")
    assert decided.decided_by == world.approver


@pytest.mark.django_db
def test_a_clerks_decision_cannot_be_revoked_this_way(world: World) -> None:
    case = world.submit()
    steps: list[tuple[str, dict[str, Any]]] = [
        ("accept", {}),
        ("start_review", {}),
        ("complete_step", {}),
        ("approve", {"reasons": "符合条件"}),
        ("deliver", {"method": "pickup"}),
        ("conclude", {}),
    ]
    for action, data in steps:
        case = world.move(case, action, **data)
    assert "revoke_decision" not in offered_actions(world.approver, case)
    with pytest.raises(Conflict) as caught:
        world.move(case, "revoke_decision", reason="想撤销")
    assert caught.value.code == "not_automatic_decision"
    assert Case.objects.get(pk=case.pk).status == S.CONCLUDED


@pytest.mark.django_db
def test_revoking_needs_the_decision_permission(world: World) -> None:
    case = _decide(world.submit())
    with pytest.raises(PermissionDenied):
        world.move(case, "revoke_decision", actor=world.reviewer, reason="理由")
    assert Case.objects.get(pk=case.pk).status == S.CONCLUDED
