"""Evaluating (online, on site, QR), rectifying bad reviews, disputes — and refusing bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from shuzheng.cases.constants import CaseStatus
from shuzheng.core.calendar import add_working_days
from shuzheng.core.errors import (
    AuthenticationRequired,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from shuzheng.core.models import Notification
from shuzheng.evaluation import selectors, workflow
from shuzheng.evaluation.constants import (
    DisputeStatus,
    EvaluationChannel,
    Level,
    RectificationStatus,
)
from shuzheng.evaluation.models import Evaluation, RatingDispute, Rectification, RectificationEvent
from shuzheng.evaluation.services import disputes, ratings, rectifications
from shuzheng.evaluation.tests.conftest import World
from shuzheng.evaluation.tests.factories import RectificationFactory
from shuzheng.evaluation.workflow import RectificationAction
from shuzheng.identity.models import AuditEvent

pytestmark = pytest.mark.django_db

ONLINE_DIMENSIONS = {"overall": 5, "efficiency": 4, "guide_accuracy": 5, "convenience": 5, "usability": 4}


def _counts() -> tuple[int, int, int, int]:
    return (
        Evaluation.objects.count(),
        Rectification.objects.count(),
        RatingDispute.objects.count(),
        AuditEvent.objects.count(),
    )


def _bad_online(world: World, **kwargs) -> Evaluation:
    case = world.case(**kwargs)
    return ratings.evaluation_submit_online(
        actor=world.citizen, case=case, level=Level.VERY_DISSATISFIED, comment="等了很久"
    )


# --- online ---------------------------------------------------------------------------------------


def test_applicant_evaluates_a_concluded_case_online(world: World) -> None:
    case = world.case()
    evaluation = ratings.evaluation_submit_online(
        actor=world.citizen, case=case, level=5, dimensions=ONLINE_DIMENSIONS, comment=" 很方便 "
    )
    evaluation.refresh_from_db()
    assert evaluation.channel == EvaluationChannel.ONLINE
    assert evaluation.case == case
    assert evaluation.department == world.bureau
    assert evaluation.item_id == case.item_id
    assert evaluation.hall == world.hall
    assert evaluation.window == world.bureau_window
    assert evaluation.evaluator == world.citizen
    assert evaluation.real_name is True
    assert evaluation.contact == "13707500001"
    assert evaluation.dimensions == ONLINE_DIMENSIONS
    assert evaluation.comment == "很方便"
    assert not Rectification.objects.exists()
    event = AuditEvent.objects.filter(action="evaluation.evaluation.submit_online").get()
    assert event.after is not None
    assert event.after["level"] == 5
    assert "13707500001" not in str(event.after)


def test_level_alone_is_the_overall_dimension_and_overall_alone_is_the_level(world: World) -> None:
    first = ratings.evaluation_submit_online(actor=world.citizen, case=world.case(), level=4)
    assert first.dimensions == {"overall": 4}
    second = ratings.evaluation_submit_online(
        actor=world.citizen, case=world.case(), dimensions={"overall": 3, "efficiency": 2}
    )
    assert second.level == 3
    assert second.dimensions == {"overall": 3, "efficiency": 2}


@pytest.mark.parametrize(
    "status",
    [CaseStatus.SUBMITTED, CaseStatus.UNDER_REVIEW, CaseStatus.APPROVED, CaseStatus.DELIVERED],
)
def test_a_case_that_is_not_concluded_cannot_be_evaluated(world: World, status: str) -> None:
    case = world.case(status=status)
    before = _counts()
    with pytest.raises(Conflict) as caught:
        ratings.evaluation_submit_online(actor=world.citizen, case=case, level=5)
    assert caught.value.code == "case_not_concluded"
    assert "办结" in caught.value.detail
    assert _counts() == before


def test_the_same_case_is_evaluated_once_per_channel(world: World) -> None:
    case = world.case()
    ratings.evaluation_submit_online(actor=world.citizen, case=case, level=5)
    before = _counts()
    with pytest.raises(Conflict) as caught:
        ratings.evaluation_submit_online(actor=world.citizen, case=case, level=1)
    assert caught.value.code == "already_evaluated"
    assert "不能重复评价" in caught.value.detail
    assert _counts() == before
    # The on-site channel is a different evaluation of the same case (一次一评 at the window).
    ratings.evaluation_record_onsite(actor=world.clerk, case=case, level=4)
    assert Evaluation.objects.filter(case=case).count() == 2


def test_the_database_constraint_backs_the_once_per_channel_rule(world: World) -> None:
    case = world.case()
    ratings.evaluation_submit_online(actor=world.citizen, case=case, level=5)
    values = {
        "case": case,
        "channel": EvaluationChannel.ONLINE,
        "department_id": case.department_id,
        "level": 5,
        "dimensions": {"overall": 5},
        "evaluator": world.citizen,
    }
    with pytest.raises(Conflict):
        ratings._create_evaluation(actor=world.citizen, values=values, action="test")


def test_somebody_elses_case_is_not_found(world: World) -> None:
    case = world.case(applicant=world.other_citizen)
    with pytest.raises(NotFound):
        selectors.case_for_applicant(user=world.citizen, case_id=case.pk)
    with pytest.raises(NotFound):
        ratings.evaluation_submit_online(actor=world.citizen, case=case, level=5)
    with pytest.raises(AuthenticationRequired):
        ratings.evaluation_submit_online(actor=AnonymousUser(), case=case, level=5)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("level", "dimensions", "comment", "fields"),
    [
        (None, {}, "", {"level"}),
        (6, {}, "", {"level"}),
        (0, {}, "", {"level"}),
        (True, {}, "", {"level"}),
        ("5", {}, "", {"level"}),
        (5, {"overall": 5, "attitude": 5}, "", {"dimensions"}),
        (5, {"overall": 5, "efficiency": 9}, "", {"dimensions.efficiency"}),
        (5, {"overall": 5, "efficiency": 4.5}, "", {"dimensions.efficiency"}),
        (5, {"overall": 3}, "", {"dimensions.overall"}),
        (5, ["overall"], "", {"dimensions"}),
        (5, {}, "好" * 501, {"comment"}),
        (
            9,
            {"foo": 1, "efficiency": 0},
            "好" * 501,
            {"level", "dimensions", "dimensions.efficiency", "comment"},
        ),
    ],
)
def test_bad_ratings_are_refused_with_chinese_messages_and_nothing_written(
    world: World, level, dimensions, comment, fields
) -> None:
    case = world.case()
    before = _counts()
    with pytest.raises(ValidationFailed) as caught:
        ratings.evaluation_submit_online(
            actor=world.citizen, case=case, level=level, dimensions=dimensions, comment=comment
        )
    assert {e["field"] for e in caught.value.errors} == fields
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in caught.value.errors)
    assert _counts() == before


def test_unknown_dimension_names_the_allowed_ones(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ratings.evaluation_submit_online(
            actor=world.citizen, case=world.case(), level=5, dimensions={"attitude": 5}
        )
    assert "attitude" in caught.value.detail
    assert "平台操作性（usability）" in caught.value.detail


def test_a_comment_of_exactly_500_characters_is_accepted(world: World) -> None:
    evaluation = ratings.evaluation_submit_online(
        actor=world.citizen, case=world.case(), level=5, comment="好" * 500
    )
    assert len(evaluation.comment) == 500


# --- on site ------------------------------------------------------------------------------------


def test_clerk_records_the_applicants_on_site_evaluation(world: World) -> None:
    case = world.case()
    evaluation = ratings.evaluation_record_onsite(
        actor=world.clerk,
        case=case,
        level=4,
        dimensions={"efficiency": 4, "service_level": 5, "attitude": 5},
    )
    assert evaluation.channel == EvaluationChannel.ONSITE
    assert evaluation.evaluator == world.citizen  # the applicant, not the clerk
    assert evaluation.real_name
    assert (evaluation.hall, evaluation.window) == (world.hall, world.bureau_window)
    assert evaluation.dimensions == {"overall": 4, "efficiency": 4, "service_level": 5, "attitude": 5}
    event = AuditEvent.objects.get(action="evaluation.evaluation.record_onsite")
    assert event.actor_id == world.clerk.pk
    assert event.after is not None
    assert event.after["evaluator_id"] == world.citizen.pk


def test_on_site_dimensions_differ_from_online_ones(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ratings.evaluation_record_onsite(
            actor=world.clerk, case=world.case(), level=4, dimensions={"usability": 4}
        )
    assert caught.value.errors[0]["field"] == "dimensions"


def test_on_site_needs_the_permission_and_the_scope(world: World) -> None:
    case = world.case()
    with pytest.raises(PermissionDenied):
        ratings.evaluation_record_onsite(actor=world.handler, case=case, level=4)
    from shuzheng.identity.models import DataScopeKind
    from shuzheng.identity.tests.conftest import grant, staff

    narrow = staff(world.other_bureau, username="narrow_clerk")
    grant(narrow, ["evaluation.add_evaluation"], DataScopeKind.DEPARTMENT)
    with pytest.raises(NotFound):
        ratings.evaluation_record_onsite(actor=narrow, case=case, level=4)
    assert not Evaluation.objects.exists()


def test_on_site_evaluation_of_a_case_without_an_account(world: World) -> None:
    case = world.case(applicant=None, applicant_name="王小明", submitted_by=world.clerk)
    evaluation = ratings.evaluation_record_onsite(actor=world.clerk, case=case, level=2)
    assert evaluation.evaluator is None
    assert evaluation.real_name
    assert evaluation.contact == "13707501234"
    assert selectors.evaluator_name(evaluation, clear=False) == "王*明"
    assert evaluation.rectification.return_visit_required


# --- QR -------------------------------------------------------------------------------------------


def test_anonymous_qr_evaluation_of_a_window_goes_to_its_department(world: World) -> None:
    hall, window = selectors.hall_for_qr(code=world.hall.code, window_number="12")
    evaluation = ratings.evaluation_submit_qr(
        actor=AnonymousUser(),
        hall=hall,
        window=window,
        level=5,
        dimensions={"attitude": 5},
        client_ip="10.0.0.1",
    )
    assert evaluation.channel == EvaluationChannel.QR
    assert evaluation.case is None
    assert evaluation.department == world.bureau
    assert evaluation.window == world.bureau_window
    assert evaluation.evaluator is None
    assert not evaluation.real_name
    assert selectors.evaluator_name(evaluation, clear=True) == "匿名"


def test_qr_evaluation_of_the_hall_goes_to_the_halls_operating_department(world: World) -> None:
    hall, window = selectors.hall_for_qr(code=world.hall.code, window_number="01")
    evaluation = ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=hall, window=window, level=4)
    # The comprehensive window has no department: the hall's operator (smallest top-level code) answers.
    assert evaluation.department == world.supervising
    hall_only = ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=hall, level=4)
    assert hall_only.department == world.supervising
    assert hall_only.window is None


def test_qr_phone_is_validated_and_stored_encrypted(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=2, phone="12345")
    assert caught.value.errors[0]["field"] == "phone"
    assert not Evaluation.objects.exists()
    evaluation = ratings.evaluation_submit_qr(
        actor=AnonymousUser(), hall=world.hall, level=2, phone="13800138000"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact FROM evaluation_evaluation WHERE id = %s", [evaluation.pk])
        raw = cursor.fetchone()[0]
    assert "13800138000" not in raw
    evaluation.refresh_from_db()
    assert evaluation.contact == "13800138000"
    assert evaluation.rectification.return_visit_required  # left a phone: call back


def test_anonymous_bad_qr_review_without_phone_needs_no_call_back(world: World) -> None:
    evaluation = ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=1)
    rectification = evaluation.rectification
    assert not rectification.return_visit_required
    updated = rectifications.rectification_submit_result(
        actor=_operator_handler(world), rectification=rectification, result="加强窗口引导服务"
    )
    assert updated.status == RectificationStatus.RECTIFIED


def _operator_handler(world: World):
    from shuzheng.identity.models import DataScopeKind
    from shuzheng.identity.tests.conftest import grant, staff

    user = staff(world.supervising, username="operator_handler")
    grant(user, ["evaluation.change_rectification"], DataScopeKind.DEPARTMENT)
    return user


def test_logged_in_qr_evaluation_is_real_name(world: World) -> None:
    evaluation = ratings.evaluation_submit_qr(actor=world.citizen, hall=world.hall, level=5)
    assert evaluation.real_name
    assert evaluation.evaluator == world.citizen
    assert evaluation.contact == "13707500001"


def test_qr_evaluations_are_rate_limited_per_address(world: World, settings) -> None:
    settings.SHUZHENG_QR_EVALUATIONS_PER_HOUR = 2
    for _ in range(2):
        ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=5, client_ip="10.0.0.9")
    with pytest.raises(RateLimited) as caught:
        ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=5, client_ip="10.0.0.9")
    assert caught.value.status == 429
    assert Evaluation.objects.count() == 2
    # Another address is not affected.
    ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=5, client_ip="10.0.0.10")


def test_unknown_or_inactive_halls_and_windows_are_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        selectors.hall_for_qr(code="NOPE")
    with pytest.raises(NotFound) as caught:
        selectors.hall_for_qr(code=world.hall.code, window_number="99")
    assert "99号窗口" in caught.value.detail
    world.bureau_window.is_active = False
    world.bureau_window.save()
    with pytest.raises(NotFound):
        selectors.hall_for_qr(code=world.hall.code, window_number="12")
    world.hall.is_active = False
    world.hall.save()
    with pytest.raises(NotFound):
        selectors.hall_for_qr(code=world.hall.code)
    with pytest.raises(NotFound):
        ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=5)


def test_hall_operator_of_a_village_station_is_found_one_division_up(world: World) -> None:
    from shuzheng.orgs.models import Division, Hall
    from shuzheng.orgs.tests.factories import DepartmentFactory, DivisionFactory

    town = DivisionFactory.create(
        code="440785103", name="沙湖镇", level=Division.Level.TOWN, parent=world.city
    )
    village = DivisionFactory.create(
        code="440785103201", name="某村", level=Division.Level.VILLAGE, parent=town
    )
    town_gov = DepartmentFactory.create(code="EP440785103", name="沙湖镇人民政府", division=town)
    DepartmentFactory.create(code="EP440785103-01", name="沙湖镇党政办", division=town, parent=town_gov)
    station = Hall.objects.create(code="HV1", name="某村服务站", level=Hall.Level.VILLAGE, division=village)
    assert selectors.hall_operator_department(station) == town_gov


# --- rectification -------------------------------------------------------------------------------


def test_a_bad_review_opens_a_rectification_for_the_departments_handler(world: World) -> None:
    evaluation = _bad_online(world)
    rectification = evaluation.rectification
    assert rectification.department == world.bureau
    assert rectification.owner == world.handler
    assert rectification.status == RectificationStatus.OPEN
    assert rectification.due_date == add_working_days(timezone.localdate(), 15)
    assert rectification.return_visit_required
    history = list(rectification.history.all())
    assert [(h.from_status, h.to_status, h.action) for h in history] == [("", "open", "open")]
    note = Notification.objects.get(recipient=world.handler)
    assert "非常不满意" in note.title
    assert note.link == f"/workbench/rectifications/{rectification.pk}/"
    assert AuditEvent.objects.filter(action="evaluation.rectification.open").count() == 1


def test_the_rectification_period_is_configurable(world: World, settings) -> None:
    settings.SHUZHENG_RECTIFICATION_DAYS = 3
    rectification = _bad_online(world).rectification
    assert rectification.due_date == add_working_days(timezone.localdate(), 3)


def test_basically_satisfied_is_not_a_bad_review(world: World) -> None:
    evaluation = ratings.evaluation_submit_online(actor=world.citizen, case=world.case(), level=3)
    assert not evaluation.is_bad
    assert not Rectification.objects.exists()


def test_a_department_without_handler_gets_an_unassigned_rectification(world: World) -> None:
    hall_review = ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=2)
    rectification = hall_review.rectification
    assert rectification.department == world.supervising
    assert rectification.owner is None
    page = selectors.rectification_list(
        user=world.supervisor, filters=selectors.RectificationFilters(unassigned=True)
    )
    assert [r.pk for r in page.items] == [rectification.pk]
    assert not Notification.objects.exists()


def test_full_rectification_loop(world: World) -> None:
    rectification = _bad_online(world).rectification
    with pytest.raises(Conflict) as caught:
        rectifications.rectification_submit_result(
            actor=world.handler, rectification=rectification, result="已经整改完毕"
        )
    assert caught.value.code == "return_visit_required"
    called = rectifications.rectification_record_return_visit(
        actor=world.handler, rectification=rectification, note="已电话回访，群众反映等候时间长"
    )
    assert called.status == RectificationStatus.RETURN_VISITED
    assert called.return_visited_at is not None
    done = rectifications.rectification_submit_result(
        actor=world.handler, rectification=rectification, result="增设取号引导员，高峰期增开窗口"
    )
    assert done.status == RectificationStatus.RECTIFIED
    verified = rectifications.rectification_check(
        actor=world.supervisor, rectification=rectification, passed=True
    )
    assert verified.status == RectificationStatus.VERIFIED
    assert verified.checked_by == world.supervisor
    assert [e.action for e in verified.history.order_by("id")] == [
        "open",
        "return_visit",
        "result",
        "check_pass",
    ]
    actions = set(
        AuditEvent.objects.filter(action__startswith="evaluation.rectification").values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "evaluation.rectification.open",
        "evaluation.rectification.return_visit",
        "evaluation.rectification.result",
        "evaluation.rectification.check_pass",
    }
    # Final: nothing more.
    with pytest.raises(Conflict):
        rectifications.rectification_check(
            actor=world.supervisor, rectification=rectification, passed=False, note="再核查一次"
        )


def test_failed_check_sends_it_back_with_the_reason(world: World) -> None:
    rectification = _bad_online(world).rectification
    rectifications.rectification_record_return_visit(
        actor=world.handler, rectification=rectification, note="已电话回访"
    )
    rectifications.rectification_submit_result(
        actor=world.handler, rectification=rectification, result="已整改完毕"
    )
    with pytest.raises(ValidationFailed) as caught:
        rectifications.rectification_check(
            actor=world.supervisor, rectification=rectification, passed=False, note=""
        )
    assert caught.value.errors[0]["field"] == "note"
    assert Rectification.objects.get(pk=rectification.pk).status == RectificationStatus.RECTIFIED
    rejected = rectifications.rectification_check(
        actor=world.supervisor, rectification=rectification, passed=False, note="未附整改佐证材料"
    )
    assert rejected.status == RectificationStatus.REJECTED
    assert rejected.check_note == "未附整改佐证材料"
    assert Notification.objects.filter(recipient=world.handler, title__contains="未通过").exists()
    again = rectifications.rectification_submit_result(
        actor=world.handler, rectification=rectification, result="补充整改佐证：排队时长统计"
    )
    assert again.status == RectificationStatus.RECTIFIED
    assert (
        rectifications.rectification_check(
            actor=world.supervisor, rectification=rectification, passed=True, note="同意"
        ).status
        == RectificationStatus.VERIFIED
    )


def test_who_may_act_on_a_rectification(world: World) -> None:
    rectification = _bad_online(world).rectification
    with pytest.raises(NotFound):  # a handler of another department
        rectifications.rectification_record_return_visit(
            actor=world.other_handler, rectification=rectification, note="已回访群众"
        )
    with pytest.raises(PermissionDenied):  # a supervisor does not rectify
        rectifications.rectification_record_return_visit(
            actor=world.supervisor, rectification=rectification, note="已回访群众"
        )
    with pytest.raises(PermissionDenied):  # a handler does not check
        rectifications.rectification_check(actor=world.handler, rectification=rectification, passed=True)
    with pytest.raises(AuthenticationRequired):
        rectifications.rectification_record_return_visit(
            actor=AnonymousUser(), rectification=rectification, note="已回访群众"
        )
    assert Rectification.objects.get(pk=rectification.pk).status == RectificationStatus.OPEN


def test_nobody_checks_their_own_rectification(world: World) -> None:
    from shuzheng.identity.models import DataScopeKind
    from shuzheng.identity.tests.conftest import grant

    grant(world.handler, ["evaluation.check_rectification"], DataScopeKind.DEPARTMENT)
    rectification = _bad_online(world).rectification
    rectifications.rectification_record_return_visit(
        actor=world.handler, rectification=rectification, note="已电话回访"
    )
    rectifications.rectification_submit_result(
        actor=world.handler, rectification=rectification, result="已整改完毕"
    )
    with pytest.raises(PermissionDenied):
        rectifications.rectification_check(actor=world.handler, rectification=rectification, passed=True)


def test_short_or_empty_notes_are_refused(world: World) -> None:
    rectification = _bad_online(world).rectification
    for note in ("", "   ", "好", "x" * 1001):
        with pytest.raises(ValidationFailed):
            rectifications.rectification_record_return_visit(
                actor=world.handler, rectification=rectification, note=note
            )
    assert RectificationEvent.objects.filter(rectification=rectification).count() == 1


def test_every_allowed_transition_and_a_forbidden_one(world: World) -> None:
    for (from_status, action), to_status in workflow.RECTIFICATION.edges.items():
        rectification = RectificationFactory.create(status=from_status)
        updated = rectifications.rectification_transition(
            actor=world.supervisor,
            rectification=rectification,
            action=RectificationAction(action),
            note="测试",
        )
        assert updated.status == to_status
        event = updated.history.get()
        assert (event.from_status, event.to_status, event.action) == (from_status, to_status, action)
    for from_status in RectificationStatus.values:
        for action in set(RectificationAction.values) - set(workflow.RECTIFICATION.actions_from(from_status)):
            rectification = RectificationFactory.create(status=from_status)
            with pytest.raises(Conflict):
                rectifications.rectification_transition(
                    actor=world.supervisor, rectification=rectification, action=RectificationAction(action)
                )
            assert Rectification.objects.get(pk=rectification.pk).status == from_status
            assert not rectification.history.exists()


def test_overdue_is_derived_from_the_due_date_and_status(world: World) -> None:
    today = timezone.localdate()
    late = RectificationFactory.create(
        evaluation__department=world.bureau, due_date=today - timedelta(days=1)
    )
    due_today = RectificationFactory.create(evaluation__department=world.bureau, due_date=today)
    late_but_verified = RectificationFactory.create(
        evaluation__department=world.bureau,
        due_date=today - timedelta(days=5),
        status=RectificationStatus.VERIFIED,
    )
    late_rejected = RectificationFactory.create(
        evaluation__department=world.bureau,
        due_date=today - timedelta(days=2),
        status=RectificationStatus.REJECTED,
    )
    page = selectors.rectification_list(user=world.handler)
    flags = {r.pk: r.overdue for r in page.items}  # type: ignore[attr-defined]
    assert flags == {late.pk: True, due_today.pk: False, late_but_verified.pk: False, late_rejected.pk: True}
    overdue = selectors.rectification_list(
        user=world.handler, filters=selectors.RectificationFilters(overdue=True)
    )
    assert {r.pk for r in overdue.items} == {late.pk, late_rejected.pk}
    assert selectors.is_overdue(late)
    assert not selectors.is_overdue(late_but_verified)
    open_only = selectors.rectification_list(
        user=world.handler, filters=selectors.RectificationFilters(state="open")
    )
    assert {r.pk for r in open_only.items} == {late.pk, due_today.pk, late_rejected.pk}


def test_rectifications_are_scoped_by_department(world: World) -> None:
    mine = _bad_online(world).rectification
    RectificationFactory.create(evaluation__department=world.other_bureau)
    assert [r.pk for r in selectors.rectification_list(user=world.handler).items] == [mine.pk]
    assert len(selectors.rectification_list(user=world.supervisor).items) == 2
    with pytest.raises(NotFound):
        selectors.rectification_get(user=world.other_handler, rectification_id=mine.pk)
    with pytest.raises(PermissionDenied):
        selectors.rectification_list(user=world.citizen)


def test_assigning_another_handler(world: World) -> None:
    from shuzheng.identity.models import DataScopeKind
    from shuzheng.identity.tests.conftest import grant, staff

    rectification = _bad_online(world).rectification
    colleague = staff(world.bureau, username="colleague", full_name="梁淑仪")
    grant(colleague, ["evaluation.change_rectification"], DataScopeKind.DEPARTMENT)
    with pytest.raises(ValidationFailed):
        rectifications.rectification_assign(
            actor=world.supervisor, rectification=rectification, owner=world.other_handler
        )
    with pytest.raises(ValidationFailed):
        rectifications.rectification_assign(actor=world.supervisor, rectification=rectification, owner=None)
    updated = rectifications.rectification_assign(
        actor=world.supervisor, rectification=rectification, owner=colleague
    )
    assert updated.owner == colleague
    assert Notification.objects.filter(recipient=colleague).exists()
    with pytest.raises(NotFound):
        rectifications.rectification_assign(
            actor=world.other_handler, rectification=rectification, owner=colleague
        )
    # The next bad review goes to the less busy handler.
    assert selectors.pick_rectification_owner(department=world.bureau) == world.handler


# --- disputes --------------------------------------------------------------------------------------


def test_dispute_upheld_voids_the_evaluation_and_closes_its_rectification(world: World) -> None:
    evaluation = _bad_online(world)
    dispute = disputes.dispute_file(
        actor=world.handler, evaluation=evaluation, reason="评价人评价的是其他部门的事项，属于误评"
    )
    assert dispute.status == DisputeStatus.PENDING
    with pytest.raises(Conflict) as caught:
        disputes.dispute_file(actor=world.handler, evaluation=evaluation, reason="再次申诉，理由同上")
    assert caught.value.code == "dispute_pending"
    reviewed = disputes.dispute_review(
        actor=world.supervisor, dispute=dispute, decision="uphold", note="经核实为误评，予以作废"
    )
    assert reviewed.status == DisputeStatus.UPHELD
    evaluation.refresh_from_db()
    assert evaluation.voided
    assert evaluation.void_reason == "经核实为误评，予以作废"
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()  # never deleted
    rectification = Rectification.objects.get(evaluation=evaluation)
    assert rectification.status == RectificationStatus.CLOSED
    actions = list(
        AuditEvent.objects.filter(action__startswith="evaluation.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "evaluation.dispute.file",
        "evaluation.dispute.review",
        "evaluation.evaluation.void",
        "evaluation.rectification.close",
    ]
    assert Notification.objects.filter(recipient=world.handler, kind="evaluation.dispute").exists()
    with pytest.raises(Conflict) as voided:
        disputes.dispute_file(actor=world.handler, evaluation=evaluation, reason="评价已作废仍然申诉")
    assert voided.value.code == "evaluation_voided"
    with pytest.raises(Conflict):
        disputes.dispute_review(
            actor=world.supervisor, dispute=dispute, decision="dismiss", note="重复复核测试"
        )


def test_dispute_dismissed_keeps_the_evaluation_and_allows_a_new_dispute(world: World) -> None:
    evaluation = _bad_online(world)
    dispute = disputes.dispute_file(
        actor=world.handler, evaluation=evaluation, reason="评价人态度恶劣，属恶意差评"
    )
    disputes.dispute_review(
        actor=world.supervisor, dispute=dispute, decision="dismiss", note="证据不足，不予支持"
    )
    evaluation.refresh_from_db()
    assert not evaluation.voided
    assert Rectification.objects.get(evaluation=evaluation).status == RectificationStatus.OPEN
    again = disputes.dispute_file(actor=world.handler, evaluation=evaluation, reason="补充录像证据后再次申诉")
    assert again.status == DisputeStatus.PENDING


def test_who_may_dispute_and_review(world: World) -> None:
    evaluation = _bad_online(world)
    with pytest.raises(NotFound):  # another department's evaluation
        disputes.dispute_file(actor=world.other_handler, evaluation=evaluation, reason="不是本部门的评价")
    with pytest.raises(PermissionDenied):
        disputes.dispute_file(actor=world.citizen, evaluation=evaluation, reason="群众不能申诉评价")
    with pytest.raises(ValidationFailed) as short:
        disputes.dispute_file(actor=world.handler, evaluation=evaluation, reason="误评")
    assert short.value.errors[0]["field"] == "reason"
    assert not RatingDispute.objects.exists()
    dispute = disputes.dispute_file(
        actor=world.handler, evaluation=evaluation, reason="评价人选错了办件，误评"
    )
    with pytest.raises(PermissionDenied):
        disputes.dispute_review(actor=world.handler, dispute=dispute, decision="uphold", note="自己复核自己")
    with pytest.raises(ValidationFailed) as bad_decision:
        disputes.dispute_review(
            actor=world.supervisor, dispute=dispute, decision="maybe", note="无效的复核结论"
        )
    assert bad_decision.value.errors[0]["field"] == "decision"
    from shuzheng.identity.models import DataScopeKind
    from shuzheng.identity.tests.conftest import grant

    grant(world.handler, ["evaluation.review_evaluationappeal"], DataScopeKind.DEPARTMENT)
    with pytest.raises(PermissionDenied):  # nobody reviews their own dispute
        disputes.dispute_review(actor=world.handler, dispute=dispute, decision="uphold", note="自己复核自己")
    assert RatingDispute.objects.get(pk=dispute.pk).status == DisputeStatus.PENDING


def test_evaluations_are_scoped_and_masked(world: World) -> None:
    mine = ratings.evaluation_submit_online(actor=world.citizen, case=world.case(), level=5)
    ratings.evaluation_submit_qr(actor=AnonymousUser(), hall=world.hall, level=5)  # the operator's department
    assert [e.pk for e in selectors.evaluation_list(user=world.handler).items] == [mine.pk]
    assert len(selectors.evaluation_list(user=world.supervisor).items) == 2
    with pytest.raises(NotFound):
        selectors.evaluation_get(user=world.other_handler, evaluation_id=mine.pk)
    with pytest.raises(PermissionDenied):
        selectors.evaluation_list(user=world.clerk)
    assert selectors.evaluator_name(mine, clear=False) == "陈*明"
    assert selectors.evaluator_contact(mine, clear=False) == "137****0001"
    assert selectors.evaluator_contact(mine, clear=True) == "13707500001"


def test_applicant_sees_cases_awaiting_evaluation(world: World) -> None:
    done = world.case()
    waiting = world.case()
    world.case(status=CaseStatus.UNDER_REVIEW)
    world.case(applicant=world.other_citizen)
    ratings.evaluation_submit_online(actor=world.citizen, case=done, level=5)
    page = selectors.cases_awaiting_evaluation(user=world.citizen)
    assert [c.pk for c in page.items] == [waiting.pk]
    assert [e.case_id for e in selectors.my_evaluations(user=world.citizen).items] == [done.pk]


def test_superusers_are_not_handed_rectifications(world: World) -> None:
    from shuzheng.identity.tests.conftest import staff

    staff(world.bureau, username="root", is_superuser=True)
    assert list(selectors.rectification_handlers(department=world.bureau)) == [world.handler]
    assert _bad_online(world).rectification.owner == world.handler
