"""The clerk's queue and case page: search by case number, ID number, credit code or full name (through
keyed indexes, not clear text), delivered cases out of the to-do list by default, and only the actions
the clerk's roles allow are offered, refusals naming the role in Chinese."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from shuzheng.cases import selectors
from shuzheng.cases.access import offered_actions
from shuzheng.cases.models import Case
from shuzheng.cases.services.common import ApplicantData
from shuzheng.cases.tests.conftest import DECIDE, World, citizen_id
from shuzheng.cases.tests.test_views import client_for
from shuzheng.core.errors import PermissionDenied
from shuzheng.core.validators import generate_uscc
from shuzheng.identity.models import Role
from shuzheng.identity.tests.conftest import grant, staff

pytestmark = pytest.mark.django_db


def _numbers(world: World, **filters: object) -> set[str]:
    page = selectors.case_queue(user=world.acceptor, **filters)  # type: ignore[arg-type]
    return {case.number for case in page.items}


def test_search_by_number_id_number_credit_code_and_full_name(world: World) -> None:
    number = citizen_id()
    at_window = world.at_window(applicant=ApplicantData(kind="person", name="李 四", id_number=number))
    online = world.submit()
    uscc = generate_uscc("440785", 77)
    company = world.at_window(
        applicant=ApplicantData(kind="enterprise", name="恩平市某某有限公司", uscc=uscc)
    )
    assert _numbers(world, q=at_window.number) == {at_window.number}
    assert _numbers(world, q=number.lower()) == {at_window.number}
    assert _numbers(world, q="李四") == {at_window.number}
    assert _numbers(world, q="张三") == {online.number}
    assert _numbers(world, q=world.citizen.id_number) == {online.number}
    assert _numbers(world, q=uscc) == {company.number}
    assert _numbers(world, q="李") == set()  # exact names only: a surname does not list people
    stored = Case.objects.filter(pk=at_window.pk).values("applicant_name_index", "applicant_id_index").get()
    assert number not in json.dumps(stored)
    assert "李四" not in json.dumps(stored, ensure_ascii=False)
    response = client_for(world.acceptor).get("/api/v1/cases/queue", {"q": number})
    assert [c["number"] for c in response.json()["items"]] == [at_window.number]
    page = client_for(world.acceptor).get(reverse("cases:queue"), {"q": "李四"}).content.decode()
    assert at_window.number in page
    assert online.number not in page


def test_search_outside_the_scope_finds_nothing(world: World) -> None:
    case = world.submit()
    page = selectors.case_queue(user=world.outsider, q=case.number)
    assert page.items == []


def _delivered(world: World) -> Case:
    case = world.move(world.move(world.submit(), "accept"), "start_review")
    case = world.move(case, "complete_step")
    case = world.move(case, "approve", reasons="符合条件")
    return world.move(case, "deliver", method="pickup")


def test_delivered_cases_are_out_of_the_to_do_list_unless_asked_for(world: World) -> None:
    delivered = _delivered(world)
    assert delivered.status == "delivered"
    waiting = world.submit()
    assert _numbers(world) == {waiting.number}
    assert _numbers(world, status="delivered") == {delivered.number}
    client = client_for(world.acceptor)
    page = client.get(reverse("cases:queue")).content.decode()
    assert delivered.number not in page
    assert waiting.number in page
    assert delivered.number in client.get(reverse("cases:queue"), {"status": "delivered"}).content.decode()
    api = client.get("/api/v1/cases/queue").json()
    assert [c["number"] for c in api["items"]] == [waiting.number]


def test_only_actions_the_clerks_roles_allow_are_offered(world: World) -> None:
    # holds the permission to decide, but not the 审批 step's role (case_approver)
    decider = staff(world.org.bureau, full_name="另一科室")
    grant(decider, DECIDE, code="another_role")
    case = world.move(world.move(world.submit(), "accept"), "start_review")
    case = world.move(case, "complete_step")  # now at 审批, the last step
    api = client_for(decider).get(f"/api/v1/cases/{case.pk}").json()
    assert "approve" not in api["actions"]
    assert "refuse" not in api["actions"]
    page = client_for(decider).get(reverse("cases:workbench_case", args=[case.pk])).content.decode()
    assert "准予许可" not in page
    assert {"approve", "refuse"} <= set(
        client_for(world.approver).get(f"/api/v1/cases/{case.pk}").json()["actions"]
    )
    with pytest.raises(PermissionDenied) as caught:
        world.move(case, "approve", actor=decider, reasons="同意")
    role = Role.objects.get(code="case_approver")
    assert role.name in caught.value.detail
    assert "case_approver" not in caught.value.detail
    # the reviewer is not offered the decision while the 审查 step is still open either
    earlier = world.move(world.move(world.submit(), "accept"), "start_review")
    assert "approve" not in offered_actions(world.approver, earlier)
    assert "complete_step" not in offered_actions(world.approver, earlier)
    assert "complete_step" in offered_actions(world.reviewer, earlier)


def test_nothing_is_offered_on_a_case_outside_the_scope_of_the_permission(world: World) -> None:
    case = world.move(world.move(world.submit(), "accept"), "start_review")
    assert offered_actions(world.outsider, case) == []
    assert "suspend" in offered_actions(world.reviewer, case)
