"""Reads within the data scope: the queue, one case, the applicant's cases, the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shuzheng.cases import selectors, selectors_timeline
from shuzheng.cases.constants import CaseStatus, DeadlineState
from shuzheng.cases.services.handling import case_claim
from shuzheng.cases.tests.conftest import World
from shuzheng.cases.tests.factories import CaseFactory
from shuzheng.core.errors import MalformedRequest, NotFound
from shuzheng.identity.models import DataScopeKind
from shuzheng.identity.tests.conftest import grant, staff
from shuzheng.identity.tests.factories import CitizenFactory


@pytest.mark.django_db
def test_the_queue_is_scoped_sorted_by_deadline_and_annotated(world: World) -> None:
    now = timezone.now()
    late = CaseFactory.create(
        version=world.version, status=CaseStatus.ACCEPTED, due_at=now - timedelta(hours=1)
    )
    soon = CaseFactory.create(
        version=world.version, status=CaseStatus.SUBMITTED, due_at=now + timedelta(hours=2)
    )
    later = CaseFactory.create(
        version=world.version, status=CaseStatus.UNDER_REVIEW, due_at=now + timedelta(days=40)
    )
    CaseFactory.create(version=world.version, status=CaseStatus.CONCLUDED, due_at=now)
    CaseFactory.create()  # another department
    page = selectors.case_queue(user=world.acceptor)
    assert [c.pk for c in page.items] == [late.pk, soon.pk, later.pk]
    assert [c.deadline_state for c in page.items] == ["overdue", "warning", "on_time"]  # type: ignore[attr-defined]
    assert [c.pk for c in selectors.case_queue(user=world.acceptor, state="overdue").items] == [late.pk]
    assert [c.pk for c in selectors.case_queue(user=world.acceptor, status="submitted").items] == [soon.pk]
    assert len(selectors.case_queue(user=world.acceptor, status=["concluded"]).items) == 1
    assert selectors.case_queue(user=world.outsider).items == []
    assert selectors.case_queue(user=world.citizen).items == []
    assert [c.pk for c in selectors.case_queue(user=world.acceptor, item=world.version.code).items] == [
        late.pk,
        soon.pk,
        later.pk,
    ]
    with pytest.raises(MalformedRequest):
        selectors.case_queue(user=world.acceptor, state="soonish")
    with pytest.raises(MalformedRequest):
        selectors.case_queue(user=world.acceptor, status="lost")


@pytest.mark.django_db
def test_the_queue_pages_by_keyset_with_a_constant_number_of_queries(world: World) -> None:
    now = timezone.now()
    for i in range(25):
        CaseFactory.create(
            version=world.version, status=CaseStatus.ACCEPTED, due_at=now + timedelta(hours=i % 7)
        )
    selectors.case_queue(user=world.acceptor, limit=1)  # warm the calendar snapshot and content types
    counts = []
    seen: list[int] = []
    cursor = None
    for limit in (5, 10, 10):
        with CaptureQueriesContext(connection) as ctx:
            page = selectors.case_queue(user=world.acceptor, cursor=cursor, limit=limit)
            [(c.version.name, c.department.name, c.division.code, c.current_step) for c in page.items]
        counts.append(len(ctx.captured_queries))
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 4  # scope, the page's keys, the page's rows (+ a permission lookup)
    assert len(seen) == len(set(seen)) == 25
    assert cursor is None
    dues = [c.due_at for c in selectors.case_queue(user=world.acceptor, limit=25).items]
    assert dues == sorted(d for d in dues if d is not None)


@pytest.mark.django_db
def test_division_scope_sees_cases_filed_in_its_division(world: World) -> None:
    town_clerk = staff(world.org.town_gov)
    grant(town_clerk, ["cases.view_case"], DataScopeKind.DIVISION_TREE, division=world.org.town)
    at_kiosk = world.submit(channel="kiosk", kiosk_id=world.kiosk.pk)
    on_portal = world.submit()
    assert [c.pk for c in selectors.case_queue(user=town_clerk).items] == [at_kiosk.pk]
    assert selectors.case_get(user=town_clerk, case_id=at_kiosk.pk) == at_kiosk
    with pytest.raises(NotFound):
        selectors.case_get(user=town_clerk, case_id=on_portal.pk)


@pytest.mark.django_db
def test_step_department_brings_the_case_into_scope(world: World) -> None:
    step = world.steps[0]
    step.department = world.org.other_bureau
    step.save(update_fields=["department"])
    case = world.move(world.move(world.submit(), "accept"), "start_review")
    assert case.step_department == world.org.other_bureau
    assert selectors.case_get(user=world.outsider, case_id=case.pk) == case
    assert [c.pk for c in selectors.case_queue(user=world.outsider).items] == [case.pk]


@pytest.mark.django_db
def test_case_get_for_applicant_staff_and_strangers(world: World) -> None:
    case = world.submit()
    assert selectors.case_get(user=world.citizen, case_id=case.pk).deadline_state == DeadlineState.ON_TIME  # type: ignore[attr-defined]
    assert selectors.case_get(user=world.acceptor, case_id=case.pk) == case
    for stranger in (world.outsider, CitizenFactory.create(), world.agent):
        with pytest.raises(NotFound):
            selectors.case_get(user=stranger, case_id=case.pk)
    with pytest.raises(NotFound):
        selectors.case_get(user=world.acceptor, case_id=case.pk + 1000)
    assert selectors.case_get_by_number(user=world.citizen, number=case.number) == case


@pytest.mark.django_db
def test_my_cases_newest_first(world: World) -> None:
    first = world.submit()
    second = world.submit()
    world.submit(world.agent, materials=world.materials(world.agent))
    page = selectors.my_cases(applicant=world.citizen)
    assert [c.pk for c in page.items] == [second.pk, first.pk]
    assert selectors.my_cases(applicant=world.citizen, status="concluded").items == []
    assert [c.pk for c in selectors.my_cases(applicant=world.citizen, limit=1).items] == [second.pk]


@pytest.mark.django_db
def test_timeline_lists_history_corrections_suspensions_and_materials(world: World) -> None:
    case = world.submit()
    case = world.move(case, "request_correction", items=[{"target": "经营场所证明", "reason": "模糊"}])
    case = world.move(case, "respond_correction", note="已补正")
    case = world.move(case, "accept")
    case = world.move(case, "start_review")
    case = world.move(case, "suspend", kind="hearing", reason="依申请听证")
    case = world.move(case, "resume")
    timeline = selectors_timeline.case_timeline(case)
    kinds = [e.kind for e in timeline]
    assert kinds.count("status") == 7
    assert {"correction", "correction_response", "suspension", "resumption", "material"} <= set(kinds)
    assert timeline[0].title.startswith("提交申请")
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)
    assert any("听证" in e.title for e in timeline)


@pytest.mark.django_db
def test_mine_filters_the_acting_user(world: World) -> None:
    case = world.move(world.submit(), "accept")
    world.submit()
    assert [c.pk for c in selectors.case_queue(user=world.acceptor, mine=True).items] == [case.pk]
    case_claim(actor=world.reviewer, case=case, expected_version=case.lock_version)
    assert selectors.case_queue(user=world.acceptor, mine=True).items == []
