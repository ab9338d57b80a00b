"""The applicant hears of 补正, 不予受理, 准予许可, 不予许可 and 办结 in their inbox, with the portal link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shuzheng.cases.tests.conftest import World
from shuzheng.cases.tests.test_workflow import DATA
from shuzheng.core.models import Notification
from shuzheng.identity.models import User


def _inbox(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


@pytest.mark.django_db
def test_correction_request_tells_the_citizen_with_the_portal_link(world: World) -> None:
    case = world.submit()
    world.move(case, "request_correction", **DATA["request_correction"])
    [notice] = _inbox(world.citizen)
    assert notice.kind == "case.correction_requested"
    assert notice.title == f"办件需要补正：{case.number}"
    assert "补正清单" in notice.body
    assert "年" in notice.body
    assert notice.link == f"/cases/{case.pk}/"
    assert not Notification.objects.filter(recipient=world.acceptor).exists()


@pytest.mark.django_db
def test_decision_delivery_and_conclusion_each_tell_the_applicant_once(world: World) -> None:
    case = world.submit()
    for action in ("accept", "start_review", "complete_step", "approve", "deliver", "conclude"):
        case = world.move(case, action, **DATA[action])
    kinds = [n.kind for n in _inbox(world.citizen)]
    assert kinds == ["case.approved", "case.concluded"]
    assert all(n.link == f"/cases/{case.pk}/" for n in _inbox(world.citizen))


@pytest.mark.django_db
def test_refusal_tells_the_enterprise_agent_who_filed(world: World) -> None:
    case = world.submit(world.agent, materials=world.materials(world.agent))
    for action in ("accept", "start_review", "complete_step", "refuse"):
        case = world.move(case, action, **DATA[action])
    [notice] = _inbox(world.agent)
    assert (notice.kind, notice.title) == ("case.refused", f"办件不予许可：{case.number}")


@pytest.mark.django_db
def test_not_accepted_after_an_unanswered_correction_is_told_too(world: World) -> None:
    case = world.submit()
    case = world.move(case, "request_correction", **DATA["request_correction"])
    world.move(case, "reject", at=timezone.now() + timedelta(days=30), **DATA["reject"])
    assert [n.kind for n in _inbox(world.citizen)] == ["case.correction_requested", "case.not_accepted"]


@pytest.mark.django_db
def test_a_window_case_for_a_person_without_account_notifies_nobody(world: World) -> None:
    case = world.at_window()
    world.move(case, "request_correction", **DATA["request_correction"])
    assert not Notification.objects.exists()
