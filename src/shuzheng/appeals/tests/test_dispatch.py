"""Dispatch: rules first, the classifier above/below the threshold, manual dispatch, merging."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shuzheng.appeals import classifier
from shuzheng.appeals.constants import AppealStatus, DispatchKind, WorkOrderStatus
from shuzheng.appeals.demo import synthetic
from shuzheng.appeals.models import Appeal, DispatchDecision
from shuzheng.appeals.routing import routing_rule_match
from shuzheng.appeals.selectors import dispatch as dispatch_selectors
from shuzheng.appeals.selectors import work_orders as work_order_selectors
from shuzheng.appeals.services.common import HANDLER_ROLE
from shuzheng.appeals.services.dispatch import appeal_dispatch
from shuzheng.appeals.services.merging import appeal_merge
from shuzheng.appeals.services.training import dispatch_model_train
from shuzheng.appeals.services.work_orders import work_order_accept, work_order_reply
from shuzheng.appeals.tests.conftest import ROLE_PERMS, intake
from shuzheng.appeals.tests.factories import AppealFactory, RoutingRuleFactory
from shuzheng.core.actors import SYSTEM
from shuzheng.core.errors import Conflict, ValidationFailed
from shuzheng.core.models import Notification
from shuzheng.identity.models import DataScopeKind
from shuzheng.identity.tests.factories import RoleAssignmentFactory, RoleFactory, UserFactory


def rule(world, position, name, lead, **kwargs):
    assists = kwargs.pop("assists", [])
    return RoutingRuleFactory.create(
        position=position, name=name, lead_department=lead, assists=assists, **kwargs
    )


def test_first_matching_rule_wins_in_position_order(world):
    rule(world, 20, "工资", world.rsj, keywords="工资,欠薪")
    first = rule(
        world, 10, "沙湖镇垃圾", world.town_gov, keywords="垃圾", division=world.town, assists=[world.cgj]
    )
    rule(world, 5, "停用规则", world.rsj, keywords="垃圾", is_active=False)
    appeal = intake(world)
    wo = appeal.work_order
    assert wo.lead_department == world.town_gov
    assert wo.dispatch_kind == DispatchKind.RULE
    assert [a.department for a in wo.assists.all()] == [world.cgj]
    decision = DispatchDecision.objects.get(appeal=appeal)
    assert decision.rule == first
    assert decision.is_automatic
    assert appeal.status == AppealStatus.DISPATCHED
    assert appeal.department == world.town_gov
    # Conditions: outside the division the rule does not match; the enterprise flag and channel filter too.
    assert routing_rule_match(text="垃圾", division=world.other_town) is None
    ent = rule(world, 1, "企业", world.rsj, enterprise=True)
    assert routing_rule_match(text="任何", is_enterprise=True) == ent
    assert routing_rule_match(text="任何", is_enterprise=False) is None


def test_rule_test_reports_rule_and_catalogue(world):
    rule(world, 10, "工资", world.rsj, keywords="欠薪")
    result = dispatch_selectors.rule_test(
        text="公司欠薪三个月", category=world.garbage, division=world.village
    )
    assert result.rule is not None
    assert result.rule.name == "工资"
    assert result.department == world.rsj
    assert result.catalogue_department == world.town_gov  # the town entry beats the city's
    assert (
        dispatch_selectors.catalogue_department(category=world.garbage, division=world.other_town)
        == world.cgj
    )


def _train_small(world):
    """Closed appeals for two departments, from the synthetic generator (a few seconds)."""
    rows = []
    for item in synthetic.generate(2500, seed=5):
        if item.category == "CR01" and item.town == synthetic.URBAN_TOWN:
            rows.append((item.text, world.cgj, world.garbage))
        elif item.category == "LD01":
            rows.append((item.text, world.rsj, world.wages))
    now = timezone.now()
    Appeal.objects.bulk_create(
        AppealFactory.build(
            text=text, division=world.city, category=category, department=department, received_at=now
        )
        for text, department, category in rows
    )
    return dispatch_model_train(actor=SYSTEM)


@pytest.fixture
def trained(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    classifier.forget()
    model = _train_small(world)
    yield model
    classifier.forget()


def test_classifier_dispatches_above_threshold_and_records_the_model(world, trained):
    assert trained.is_active
    assert trained.accuracy > 0.9
    assert trained.baseline_accuracy is not None
    appeal = intake(
        world, text="恩城大道市场旁边的垃圾桶一个星期没人清运，臭气熏天", division_code=world.city.code
    )
    decision = DispatchDecision.objects.get(appeal=appeal)
    assert decision.kind == DispatchKind.MODEL
    assert decision.is_automatic
    assert decision.model_version == trained.version
    assert decision.probability is not None
    assert decision.probability >= 0.6
    assert appeal.work_order.lead_department == world.cgj
    assert appeal.category == world.garbage  # filled in by the category head


def test_below_threshold_goes_to_the_manual_queue_with_suggestions(world, trained, settings):
    settings.SHUZHENG_DISPATCH_CONFIDENCE = 0.999
    appeal = intake(world, text="反映的问题一直没人管，要求有关部门处理")
    assert appeal.status == AppealStatus.PENDING_DISPATCH
    assert appeal.work_order is None
    decision = DispatchDecision.objects.get(appeal=appeal)
    assert decision.kind == DispatchKind.SUGGESTION
    assert not decision.is_automatic
    assert 1 <= len(appeal.dispatch_suggestions) <= 3  # the router's top-3 that are departments here
    assert appeal.dispatch_suggestions[0]["model_version"] == trained.version
    queue = work_order_selectors.dispatch_queue(user=world.dispatcher)
    assert [a.pk for a in queue.items] == [appeal.pk]
    wo = appeal_dispatch(
        actor=world.dispatcher,
        appeal=appeal,
        department=world.rsj,
        assist_departments=[world.cgj],
        category_code=world.wages.code,
    )
    assert wo.dispatch_kind == DispatchKind.MANUAL
    assert wo.status == WorkOrderStatus.DISPATCHED
    assert work_order_selectors.dispatch_queue(user=world.dispatcher).items == []
    with pytest.raises(Conflict):
        appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)


def test_without_a_model_or_rule_the_appeal_waits(world):
    appeal = intake(world)
    assert appeal.status == AppealStatus.PENDING_DISPATCH
    assert not DispatchDecision.objects.filter(appeal=appeal).exists()


def test_the_department_notification_links_to_the_work_order_page(world):
    handler = UserFactory.create(username="cgj_duty", department=world.cgj)
    RoleAssignmentFactory.create(
        user=handler,
        role=RoleFactory.create(code=HANDLER_ROLE, perms=ROLE_PERMS["department_handler"]),
        scope=DataScopeKind.DEPARTMENT_TREE,
        department=world.cgj,
    )
    appeal = intake(world, category_code=world.garbage.code)
    wo = appeal_dispatch(actor=world.dispatcher, appeal=appeal, department=world.cgj)
    [notice] = Notification.objects.filter(recipient=handler, kind="appeals.work_order")
    assert notice.link == f"/workbench/appeals/orders/{wo.pk}/"  # the workbench page, not a JSON API URL


def test_manual_dispatch_needs_the_centre(world):
    appeal = intake(world)
    from shuzheng.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        appeal_dispatch(actor=world.cgj_handler, appeal=appeal, department=world.cgj)


def test_merge_proposal_and_shared_reply(world):
    first = intake(
        world,
        category_code=world.garbage.code,
        latitude="22.2000",
        longitude="112.3000",
        reporter_user=world.citizen,
    )
    wo = appeal_dispatch(actor=world.dispatcher, appeal=first, department=world.town_gov)
    second = intake(
        world,
        category_code=world.garbage.code,
        division_code=world.village2.code,
        latitude="22.2010",
        longitude="112.3010",
        text="沙湖镇市场旁边的垃圾桶一个多星期没人清运，气味很臭",
        reporter_phone="13707500002",
    )
    assert [c["appeal_id"] for c in second.merge_suggestions] == [first.pk]
    assert second.merge_suggestions[0]["distance_m"] < 500
    far = intake(
        world,
        category_code=world.garbage.code,
        division_code=world.other_town.code,
        text="沙湖镇市场旁边的垃圾桶已经一个星期没人清运，气味很臭",
    )
    assert far.merge_suggestions == []  # another town, no coordinates
    merged = appeal_merge(actor=world.dispatcher, appeal=second, into=first)
    assert merged.work_order == wo
    assert merged.status == AppealStatus.DISPATCHED
    work_order_accept(actor=SYSTEM, work_order=wo.pk)
    work_order_reply(actor=SYSTEM, work_order=wo.pk, reply_text="已安排清运并增加频次。")
    for appeal in (first, second):
        appeal.refresh_from_db()
        assert appeal.answer_text == "已安排清运并增加频次。"
        assert appeal.replied_at is not None
    [reply] = world.citizen.notifications.filter(kind="appeals.reply")
    assert reply.link == f"/appeals/{first.pk}/"  # the citizen's appeal page, not a JSON API URL
    with pytest.raises(ValidationFailed):
        appeal_merge(actor=world.dispatcher, appeal=first, into=first)


def test_merge_before_dispatch_follows_the_primary(world):
    first = intake(world, category_code=world.garbage.code)
    second = intake(world, category_code=world.garbage.code, text="沙湖镇市场旁边垃圾桶一个星期没人清运")
    assert second.merge_suggestions
    assert second.merge_suggestions[0]["same_village"]
    appeal_merge(actor=world.dispatcher, appeal=second, into=first)
    assert [a.pk for a in work_order_selectors.dispatch_queue(user=world.dispatcher).items] == [first.pk]
    wo = appeal_dispatch(actor=world.dispatcher, appeal=first, department=world.town_gov)
    assert {a.pk for a in work_order_selectors.work_order_appeals(work_order=wo)} == {first.pk, second.pk}


def test_a_likely_duplicate_waits_for_the_centre_instead_of_a_second_work_order(world):
    rule(world, 10, "垃圾", world.cgj, keywords="垃圾")
    first = intake(world, category_code=world.garbage.code)
    assert first.work_order is not None
    second = intake(
        world, category_code=world.garbage.code, text="沙湖镇市场旁边的垃圾桶一个星期没人清运，很臭"
    )
    assert second.status == AppealStatus.PENDING_DISPATCH
    assert [c["appeal_id"] for c in second.merge_suggestions] == [first.pk]
    decision = DispatchDecision.objects.get(appeal=second)
    assert decision.kind == DispatchKind.SUGGESTION
    assert decision.rule is not None
    merged = appeal_merge(actor=world.dispatcher, appeal=second, into=first)
    assert merged.work_order == first.work_order
