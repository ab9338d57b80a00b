"""The transition table: every allowed edge walked through the service, every other pair refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from shuzheng.cases.constants import CaseStatus
from shuzheng.cases.models import Case, CaseStatusChange
from shuzheng.cases.services.acceptance import case_accept
from shuzheng.cases.services.actions import FIELDS, SERVICES, case_act
from shuzheng.cases.services.automatic import case_decide_automatically
from shuzheng.cases.services.common import ApplicantData, MaterialData
from shuzheng.cases.services.handling import case_record_remote_reference
from shuzheng.cases.tests.conftest import World, citizen_id
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.cases.workflow import APPLICANT_ACTIONS, TRANSITIONS, CaseAction
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.identity.models import AuditEvent
from shuzheng.identity.tests.factories import UserFactory

S = CaseStatus

DATA: dict[str, dict[str, Any]] = {
    "accept": {},
    "accept_with_deferral": {"deferred": ["M002"]},
    "reject": {"reasons": "申请材料不符合法定形式", "legal_basis": "《中华人民共和国行政许可法》第三十二条"},
    "request_correction": {"items": [{"target": "经营场所证明", "reason": "复印件不清晰"}]},
    "respond_correction": {"note": "已重新提交"},
    "forward": {"note": "转四川省成都市"},
    "start_review": {},
    "complete_step": {"note": "材料齐全，同意"},
    "suspend": {"kind": "inspection", "reason": "需现场勘验"},
    "resume": {"note": "勘验完毕"},
    "approve": {"reasons": "符合法定条件"},
    "refuse": {"reasons": "经营场所不符合要求", "legal_basis": "《中华人民共和国行政许可法》第三十八条"},
    "deliver": {"method": "pickup"},
    "conclude": {},
    "withdraw": {"reason": "不再需要"},
    "revoke_decision": {"reason": "抽查发现申请人不符合条件"},
}

# How to reach each source status (actions from a freshly submitted case).
PATHS: dict[str, list[str]] = {
    S.SUBMITTED: [],
    S.CORRECTION_REQUESTED: ["request_correction"],
    S.ACCEPTED: ["accept"],
    S.UNDER_REVIEW: ["accept", "start_review"],
    S.SUSPENDED: ["accept", "start_review", "suspend"],
    S.APPROVED: ["accept", "start_review", "complete_step", "approve"],
    S.REFUSED: ["accept", "start_review", "complete_step", "refuse"],
    S.DELIVERED: ["accept", "start_review", "complete_step", "approve", "deliver"],
    S.FORWARDED: ["forward"],
    S.CONCLUDED: [],  # decided by the platform (秒批): `_automatic`
}


def _data(action: str) -> dict[str, Any]:
    data = dict(DATA[action])
    if action == "accept_with_deferral":
        data["deferred_due"] = timezone.localdate() + timedelta(days=10)
    return data


def _automatic(case: Case) -> Case:
    return case_decide_automatically(
        actor=SYSTEM,
        case=case,
        expected_version=case.lock_version,
        reasons="符合全部条件",
        legal_basis="",
        basis={},
    )


def _cross_region(world: World) -> Case:
    world.version.cross_region = True
    world.version.save(update_fields=["cross_region"])
    return world.at_window(channel="cross_region", target_region="510104")


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "action"), sorted(TRANSITIONS.edges), ids=lambda v: str(v))
def test_every_allowed_edge(world: World, source: str, action: str) -> None:
    if S.FORWARDED in (source, TRANSITIONS.edges[(source, action)]):
        case = _cross_region(world)
    elif action == "accept_with_deferral":
        deferred = MaterialData(code="M002", deferred=True)  # 经营场所证明 (non-key) comes later
        case = world.submit(materials=[world.materials()[0], deferred])
    else:
        case = world.submit()
    path = list(PATHS[source])
    if source == S.UNDER_REVIEW and action in ("approve", "refuse"):
        path.append("complete_step")  # the decision is taken at the last step
    for step in path:
        case = world.move(case, step, **_data(step))
    if source == S.CONCLUDED:
        case = _automatic(case)
    assert case.status == source
    extra: dict[str, Any] = {}
    if (source, action) == (S.CORRECTION_REQUESTED, "reject"):
        extra["at"] = timezone.now() + timedelta(days=30)  # only after the respond-by date
    if (source, action) == (S.FORWARDED, "conclude"):
        case_record_remote_reference(
            actor=world.acceptor, case=case, reference="SC-2026-0001", expected_version=case.lock_version
        )
    version = Case.objects.get(pk=case.pk).lock_version
    events = AuditEvent.objects.count()
    moved = world.move(case, action, **_data(action), **extra)
    assert moved.status == TRANSITIONS.edges[(source, action)]
    assert moved.lock_version == version + 1
    change = CaseStatusChange.objects.filter(case=case).order_by("-id").first()
    assert change is not None
    assert (change.from_status, change.action, change.to_status) == (source, action, moved.status)
    assert AuditEvent.objects.count() == events + 1
    last_event = AuditEvent.objects.order_by("-seq").first()
    assert last_event is not None
    assert last_event.action == f"cases.case.{action}"


@pytest.mark.django_db
def test_every_other_pair_is_refused_and_changes_nothing(world: World) -> None:
    boss = UserFactory.create(is_superuser=True, department=world.org.bureau)
    applicant_stand_in = world.citizen
    tried = 0
    for status in S.values:
        for action in CaseAction.values:
            if (status, action) in TRANSITIONS.edges:
                continue
            case = CaseFactory.create(
                version=world.version,
                status=status,
                applicant=applicant_stand_in,
                target_region="510104" if action == "forward" else "",
            )
            actor = applicant_stand_in if action in APPLICANT_ACTIONS else boss
            with pytest.raises(Conflict) as caught:
                case_act(actor=actor, case=case, action=action, expected_version=0, **_data(action))
            assert caught.value.code == "transition_not_allowed", (status, action)
            case.refresh_from_db()
            assert (case.status, case.lock_version) == (status, 0)
            assert not CaseStatusChange.objects.filter(case=case).exists()
            tried += 1
    assert tried == len(S.values) * len(CaseAction.values) - len(TRANSITIONS.edges)


def test_actions_from_lists_the_table() -> None:
    assert TRANSITIONS.actions_from(S.SUBMITTED) == [
        "accept",
        "accept_with_deferral",
        "reject",
        "request_correction",
        "forward",
        "withdraw",
    ]
    assert TRANSITIONS.actions_from(S.CONCLUDED) == ["revoke_decision"]


@pytest.mark.django_db
def test_a_full_walk_with_history_and_clock(world: World) -> None:
    case = world.submit()
    assert case.number.endswith("-000001")
    assert case.due_at is not None
    case = world.move(case, "accept")
    assert case.clock_start is not None
    assert case.accepted_at is not None
    case = world.move(case, "start_review")
    assert case.current_step == world.steps[0]
    assert case.acting_user == world.reviewer
    case = world.move(case, "complete_step", note="同意")
    assert case.current_step == world.steps[1]
    assert case.acting_user is None
    case = world.move(case, "approve", reasons="符合条件")
    assert (case.decision, case.decided_by, case.current_step) == ("approved", world.approver, None)
    case = world.move(case, "deliver", method="electronic")
    case = world.move(case, "conclude")
    assert case.status == S.CONCLUDED
    assert case.concluded_at is not None
    actions = list(case.history.order_by("id").values_list("action", flat=True))
    assert actions == ["submit", "accept", "start_review", "complete_step", "approve", "deliver", "conclude"]


@pytest.mark.django_db
def test_window_case_can_be_withdrawn_by_the_clerk_on_behalf(world: World) -> None:
    case = world.at_window(applicant=ApplicantData(kind="person", name="陈六", id_number=citizen_id()))
    case = world.move(case, "withdraw", actor=world.acceptor, reason="申请人书面撤回")
    assert case.status == S.WITHDRAWN


@pytest.mark.django_db
def test_catalog_style_steps_acceptance_review_decision(world: World) -> None:
    """受理 (case_acceptor) → 审查 (case_reviewer) → 决定 (case_approver), as in the catalog demo."""
    from shuzheng.catalog.tests.factories import WorkflowStepFactory

    world.version.steps.all().delete()
    accept_step = WorkflowStepFactory.create(
        version=world.version, position=1, name="受理", role_code="case_acceptor"
    )
    review = WorkflowStepFactory.create(
        version=world.version, position=2, name="审查", role_code="case_reviewer"
    )
    decide = WorkflowStepFactory.create(
        version=world.version, position=3, name="决定", role_code="case_approver"
    )
    case = world.move(world.submit(), "accept")
    case = world.move(case, "start_review")
    assert case.current_step == review  # 受理 was the accept action itself
    assert accept_step.pk != case.current_step_id
    case = world.move(case, "complete_step")
    assert case.current_step == decide
    with pytest.raises(PermissionDenied) as caught:
        world.move(case, "complete_step", actor=world.reviewer)  # not the reviewer's step: refused
    assert caught.value.code == "not_step_role"
    case = world.move(case, "approve", reasons="同意")
    assert case.status == S.APPROVED


@pytest.mark.django_db
def test_instant_item_is_decided_by_the_acceptor(world: World) -> None:
    """A 即办件 whose only step is 受理并办结 (case_acceptor): the acceptor takes the decision."""
    from shuzheng.cases.tests.conftest import DECIDE, REVIEW
    from shuzheng.catalog.tests.factories import WorkflowStepFactory
    from shuzheng.identity.models import User
    from shuzheng.identity.tests.conftest import grant

    world.version.steps.all().delete()
    WorkflowStepFactory.create(
        version=world.version, position=1, name="受理并办结", role_code="case_acceptor"
    )
    grant(world.acceptor, [*REVIEW, *DECIDE], code="window_all_in_one")
    acceptor = User.objects.get(pk=world.acceptor.pk)
    case = world.move(world.submit(), "accept")
    case = world.move(case, "start_review", actor=acceptor)
    assert case.current_step is None
    with pytest.raises(PermissionDenied):
        world.move(case, "approve", actor=world.approver)  # holds decide_case but not the step's role
    case = world.move(case, "approve", actor=acceptor)
    assert case.decided_by == acceptor


@pytest.mark.django_db
def test_typed_services_per_action_and_one_router_for_action_names(world: World) -> None:
    """Each action has its own keyword-only service; `case_act` routes a run-time name to it and takes
    only the fields that service takes."""
    assert set(SERVICES) == set(CaseAction.values)
    assert FIELDS[CaseAction.REFUSE] == {"reasons", "legal_basis"}
    case = world.submit()
    case = case_accept(actor=world.acceptor, case=case, expected_version=case.lock_version, note="材料齐全")
    assert case.status == S.ACCEPTED
    with pytest.raises(ValidationFailed) as caught:
        case_act(
            actor=world.reviewer,
            case=case,
            action="start_review",
            expected_version=case.lock_version,
            reasons="多余的字段",
        )
    assert caught.value.errors == [{"field": "reasons", "message": "不允许的字段", "type": "extra_forbidden"}]
    moved = case_act(
        actor=world.reviewer, case=case, action="start_review", expected_version=case.lock_version, reasons=""
    )
    assert moved.status == S.UNDER_REVIEW  # empty values of other fields are ignored
